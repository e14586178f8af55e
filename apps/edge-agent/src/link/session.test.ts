import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createCommandRouter } from './router.js';
import { createLinkSession } from './session.js';

// The mqtt-packet instance mqtt.js itself writes with (whatever the install layout).
const mqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt'))('mqtt-packet') as {
  writeToStream: { cacheNumbers: boolean };
};

describe('link session', () => {
  it('turns off mqtt-packet\'s 65,536-Buffer number cache before the first packet is written', async () => {
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(true);
    const log = createLogger('silent');
    const session = createLinkSession({
      url: 'mqtt://127.0.0.1:1', deviceId: 'dev_cache', secret: 's', keepaliveS: 30,
      reconnect: { initialMs: 60_000, maxMs: 60_000 }, will: Buffer.from('{}'),
    }, createCommandRouter(log), { connected: () => undefined, disconnected: () => undefined }, log);
    session.start();
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    await session.stop();
  });
});
