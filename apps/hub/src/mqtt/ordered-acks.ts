import type { MqttClient } from 'mqtt';

// mqtt.js runs `customHandleAcks` one message at a time: the next packet (a PINGRESP too) waits until the
// previous one is acknowledged, so a consumer that acknowledges only after the store committed handles one
// message per commit round trip (about 200 batches/s on PostgreSQL, whatever the cores). Here the callback is
// answered at once, each device's messages are chained (its order holds), devices run side by side, and the
// PUBACK mqtt.js then sends is held back until its message is stored and every earlier PUBACK went out: PUBACKs
// leave in the order the PUBLISHes came (MQTT 4.6), each after its commit. The broker's receive maximum should
// bound how many wait at once; Mosquitto 2.0.11 does not enforce it (bench/mosquitto-flow-probe.ts), so a replica
// behind may hold thousands here.

/** MQTT 5 reason code in a PUBACK: the hub could not store the message. The agent keeps it and resends. */
export const UNSPECIFIED_ERROR = 0x80;

type Handle = (topic: string, payload: Buffer) => Promise<void>;
type SendPacket = (packet: { cmd: string; messageId?: number; reasonCode?: number }, cb?: () => void, ...rest: unknown[]) => void;
interface Waiting { packet: { cmd: string; messageId?: number; reasonCode?: number }; code: Promise<number> }

export function createOrderedAcks(handle: Handle, keyOf: (topic: string) => string, refused: (err: unknown, topic: string) => void) {
  const chains = new Map<string, Promise<unknown>>();
  const codes = new Map<number, Promise<number>>();
  let queue: Waiting[] = [];
  let flushing = false;
  let client: MqttClient | undefined;
  let send: SendPacket | undefined;

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const head = queue[0]!;
        const code = await head.code;
        if (queue[0] !== head) continue; // the connection dropped meanwhile: the broker redelivers
        queue.shift();
        if (client?.connected) send?.({ ...head.packet, reasonCode: code });
      }
    } finally {
      flushing = false;
    }
  }

  return {
    /** mqtt.js's customHandleAcks option. */
    customHandleAcks(topic: string, payload: Buffer, packet: { messageId?: number }, done: (code: number) => void): void {
      const key = keyOf(topic);
      const code = (chains.get(key) ?? Promise.resolve()).then(() => handle(topic, payload))
        .then(() => 0, (err: unknown) => (refused(err, topic), UNSPECIFIED_ERROR));
      chains.set(key, code);
      void code.then(() => {
        if (chains.get(key) === code) chains.delete(key);
      });
      if (packet.messageId !== undefined) codes.set(packet.messageId, code);
      done(0);
    },
    /** Holds back the client's PUBACKs until their messages are stored (wraps mqtt.js's packet sender). */
    attach(c: MqttClient): void {
      client = c;
      const internal = c as unknown as { _sendPacket: SendPacket };
      send = internal._sendPacket.bind(c);
      internal._sendPacket = (packet, cb, ...rest) => {
        const code = packet.cmd === 'puback' && packet.messageId !== undefined ? codes.get(packet.messageId) : undefined;
        if (!code) return send!(packet, cb, ...rest);
        codes.delete(packet.messageId!);
        queue.push({ packet, code });
        cb?.(); // mqtt.js reads the next packet now
        void flush();
      };
      // Unsent PUBACKs belong to the connection that carried their messages; the session redelivers those.
      c.on('close', () => {
        queue = [];
        codes.clear();
      });
    },
  };
}
