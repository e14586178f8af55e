import type { IncomingMessage } from 'node:http';
import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { createWebSocketStream, type WebSocket } from 'ws';
import { clientIp } from '../http/client-ip.js';
import type { HubEnv } from '../http/context.js';
import type { MqttBroker } from './broker.js';

/** MQTT over WebSocket for the console at `path` on the hub's HTTP server (clients counted by their address). */
export function mountMqttWebSocket(app: Hono<HubEnv>, upgradeWebSocket: UpgradeWebSocket<WebSocket>, opts: {
  broker: Pick<MqttBroker, 'handleStream'>; path: string; trustProxy: boolean;
}): void {
  app.get(opts.path, upgradeWebSocket((c) => ({
    onOpen(_evt, ws) {
      const env = c.env as { incoming?: IncomingMessage } | undefined;
      opts.broker.handleStream(createWebSocketStream(ws.raw as WebSocket), env?.incoming, clientIp(c, opts.trustProxy));
    },
  })));
}
