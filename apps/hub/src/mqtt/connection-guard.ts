import { Duplex, Transform, pipeline } from 'node:stream';
import type { MqttConnectionLimits } from '../config.js';
import type { Logger } from '../logger.js';

// What an MQTT client may cost the hub, enforced on the byte stream before aedes parses it: aedes and
// mqtt-packet buffer a packet whole, whatever length its fixed header announces, and keep a socket
// that has not sent CONNECT for 30 s. Without these caps anyone reaching the port could make the hub
// hold gigabytes before logging in.

export type Refusal = 'connections_per_ip' | 'packet_size' | 'pre_auth_bytes' | 'connect_timeout';

const CONNECT = 1;
/** Refusals are logged at most this often per reason, with the count since the last line. */
const LOG_EVERY_MS = 10_000;

/** Follows MQTT fixed headers (type byte, remaining length as 1-4 varint bytes) across chunks. */
export class PacketFraming {
  private state: 'type' | 'length' = 'type';
  private type = 0;
  private length = 0;
  private lengthBytes = 0;
  /** Bytes of the current packet's body still to come. */
  private body = 0;

  /** Calls `onHeader` once per packet whose length is known; false stops (the stream is refused). */
  feed(chunk: Buffer, onHeader: (type: number, packetBytes: number) => boolean): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.body > 0) {
        const skip = Math.min(this.body, chunk.length - i);
        this.body -= skip;
        i += skip;
      } else if (this.state === 'type') {
        this.type = chunk[i++]! >> 4;
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
      } else {
        const byte = chunk[i++]!;
        this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes++;
        if (byte & 0x80) {
          // [MQTT-2.2.3] the remaining length takes at most four bytes; mqtt-packet refuses a fifth too.
          if (this.lengthBytes === 4) return false;
          continue;
        }
        this.state = 'type';
        this.body = this.length;
        if (!onHeader(this.type, 1 + this.lengthBytes + this.length)) return false;
      }
    }
    return true;
  }
}

class RefusedError extends Error {
  constructor(readonly reason: Refusal) {
    super(`mqtt connection refused: ${reason}`);
  }
}

export interface AdmitOptions {
  /** The client's address, for the per-address limit. */
  ip: string;
  /**
   * The transport under a message-framed stream (the WebSocket's TCP socket): its bytes count against
   * the pre-login budget, since the WebSocket layer buffers a whole message before the guard sees it.
   */
  transport?: Duplex | undefined;
}

export function createConnectionGuard(limits: MqttConnectionLimits, log: Logger) {
  const perIp = new Map<string, number>();
  const refused: Record<Refusal, number> = { connections_per_ip: 0, packet_size: 0, pre_auth_bytes: 0, connect_timeout: 0 };
  const unlogged: Record<Refusal, number> = { connections_per_ip: 0, packet_size: 0, pre_auth_bytes: 0, connect_timeout: 0 };
  const lastLogged = new Map<Refusal, number>();
  const onAccepted = new WeakMap<Duplex, () => void>();

  function note(reason: Refusal, ip: string): void {
    refused[reason]++;
    unlogged[reason]++;
    const now = Date.now();
    if (now - (lastLogged.get(reason) ?? 0) < LOG_EVERY_MS) return;
    lastLogged.set(reason, now);
    log.warn({ reason, ip, refused: unlogged[reason], limits }, 'mqtt connections refused');
    unlogged[reason] = 0;
  }

  function release(ip: string): void {
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n <= 0) perIp.delete(ip);
    else perIp.set(ip, n);
  }

  /** The stream aedes gets: the client's bytes pass only within the limits; the first breach destroys it. */
  function guarded(stream: Duplex, opts: AdmitOptions): Duplex {
    const framing = new PacketFraming();
    let accepted = false;
    let preAuthBytes = 0;
    let refusal: Refusal | undefined;
    const refuse = (reason: Refusal) => {
      if (refusal) return;
      refusal = reason;
      note(reason, opts.ip);
      conn.destroy(new RefusedError(reason));
    };
    const countPreAuth = (n: number): boolean => {
      if (accepted) return true;
      preAuthBytes += n;
      if (preAuthBytes <= limits.preAuthBytes) return true;
      refuse('pre_auth_bytes');
      return false;
    };
    // Judged on the announced length, so an oversized packet is refused before its body arrives.
    const checkHeader = (type: number, packetBytes: number): boolean => {
      if (packetBytes > limits.maxPacketBytes) refuse('packet_size');
      else if (!accepted && type === CONNECT && packetBytes > limits.preAuthBytes) refuse('pre_auth_bytes');
      return refusal === undefined;
    };
    const inbound = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (!opts.transport && !countPreAuth(chunk.length)) return done();
        // false also for a malformed remaining length (a fifth length byte).
        if (!framing.feed(chunk, checkHeader)) {
          refuse('packet_size');
          return done();
        }
        done(null, chunk);
      },
    });
    const conn = Duplex.from({ readable: inbound, writable: stream });
    pipeline(stream, inbound, () => conn.destroy());
    const onTransportData = (chunk: Buffer) => countPreAuth(chunk.length);
    opts.transport?.on('data', onTransportData);
    const timer = setTimeout(() => refuse('connect_timeout'), limits.connectTimeoutMs);
    timer.unref();
    onAccepted.set(conn, () => {
      accepted = true;
      clearTimeout(timer);
      opts.transport?.off('data', onTransportData);
    });
    conn.once('close', () => {
      clearTimeout(timer);
      opts.transport?.off('data', onTransportData);
      stream.destroy();
      release(opts.ip);
    });
    // Errors reach aedes through the connection it holds; the guard only needs the stream not to throw.
    conn.on('error', () => undefined);
    return conn;
  }

  return {
    /** Wraps a client's stream for the broker, or destroys it when its address already holds too many. */
    admit(stream: Duplex, opts: AdmitOptions): Duplex | undefined {
      const held = perIp.get(opts.ip) ?? 0;
      if (held >= limits.maxConnectionsPerIp) {
        note('connections_per_ip', opts.ip);
        stream.destroy();
        return undefined;
      }
      perIp.set(opts.ip, held + 1);
      return guarded(stream, opts);
    },
    /** The broker accepted the client's CONNECT: the pre-login budget and timer no longer apply. */
    accepted(conn: Duplex): void {
      onAccepted.get(conn)?.();
      onAccepted.delete(conn);
    },
    refused: (): Readonly<Record<Refusal, number>> => ({ ...refused }),
    connectionsFrom: (ip: string) => perIp.get(ip) ?? 0,
  };
}

export type ConnectionGuard = ReturnType<typeof createConnectionGuard>;
