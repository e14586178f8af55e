import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { UNSPECIFIED_ERROR, createOrderedAcks } from './ordered-acks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mqtt.js's side, played by hand: a PUBLISH handed to customHandleAcks, then the PUBACK it sends through _sendPacket. */
function fakeClient() {
  const sent: { cmd: string; messageId?: number; reasonCode?: number }[] = [];
  const client = Object.assign(new EventEmitter(), {
    connected: true,
    _sendPacket(packet: { cmd: string; messageId?: number; reasonCode?: number }, cb?: () => void) {
      sent.push(packet);
      cb?.();
    },
  });
  return { client, sent };
}

describe('ordered acks', () => {
  it('handles devices side by side, each device in order, and sends each PUBACK after its commit, in arrival order', async () => {
    const { client, sent } = fakeClient();
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const acks = createOrderedAcks(async (topic, payload) => {
      most = Math.max(most, (inside += 1));
      await sleep(topic === 'a' && payload.toString() === '1' ? 60 : 5);
      log.push(`${topic}${payload.toString()}`);
      inside -= 1;
      if (payload.toString() === 'bad') throw new Error('store refused');
    }, (topic) => topic, () => undefined);
    acks.attach(client as unknown as MqttClient);
    const readNext: number[] = [];
    const publish = (mid: number, topic: string, body: string) => {
      acks.customHandleAcks(topic, Buffer.from(body), { messageId: mid }, () => undefined);
      // mqtt.js then sends the PUBACK; its callback is what lets it read the next packet.
      client._sendPacket({ cmd: 'puback', messageId: mid, reasonCode: 0 }, () => readNext.push(mid));
    };
    publish(1, 'a', '1');
    publish(2, 'b', '1');
    publish(3, 'a', '2');
    publish(4, 'b', 'bad');
    client._sendPacket({ cmd: 'pingreq' }); // other packets are not held
    expect(readNext).toEqual([1, 2, 3, 4]); // nothing waited for a commit to read on
    expect(sent.map((p) => p.cmd)).toEqual(['pingreq']);
    await sleep(20);
    expect(sent.map((p) => p.cmd)).toEqual(['pingreq']); // b1 is stored, but a1's PUBACK goes first
    await sleep(100);
    expect(log.indexOf('a1')).toBeLessThan(log.indexOf('a2'));
    expect(log.indexOf('b1')).toBeLessThan(log.indexOf('a1')); // b did not wait for a
    expect(most).toBeGreaterThan(1);
    expect(sent.slice(1).map((p) => [p.messageId, p.reasonCode])).toEqual([[1, 0], [2, 0], [3, 0], [4, UNSPECIFIED_ERROR]]);
  });

  it('drops the PUBACKs of a connection that closed (the broker redelivers those messages)', async () => {
    const { client, sent } = fakeClient();
    const acks = createOrderedAcks(async () => void (await sleep(30)), (topic) => topic, () => undefined);
    acks.attach(client as unknown as MqttClient);
    acks.customHandleAcks('a', Buffer.from('1'), { messageId: 7 }, () => undefined);
    client._sendPacket({ cmd: 'puback', messageId: 7, reasonCode: 0 });
    client.emit('close');
    await sleep(60);
    expect(sent).toEqual([]);
  });
});
