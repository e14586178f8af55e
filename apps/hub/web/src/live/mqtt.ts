import type { MqttClient } from 'mqtt';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getSession } from '../api/session.js';

// Live fleet data over MQTT-over-WebSocket at /mqtt: the console signs in as `console` with the user's
// bearer token and may only read status, telemetry and inference of targets it can see (mqtt/access.ts).
// mqtt.js is loaded on first use, so pages without live data never download it.
export const TOPIC_ROOT = 'prometheus/v1/devices';
export type LiveState = 'connecting' | 'live' | 'unavailable';

async function connect(): Promise<MqttClient> {
  const { default: mqtt } = await import('mqtt');
  const token = getSession()?.token ?? '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`;
  // A console client id must not look like a device id (tgt_...), or the broker refuses it.
  const clientId = `console_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return mqtt.connect(url, { username: 'console', password: token, clientId, protocolVersion: 4, reconnectPeriod: 5000, connectTimeout: 10_000 });
}

/**
 * Subscribes to `leaf` of each target in `ids`; `onMessage(id, leaf, json)` for each message. Returns the
 * link state so the page can say whether the figures are live or only refreshed.
 */
export function useDeviceTopics(ids: string[], leaves: string[], onMessage: (id: string, leaf: string, body: unknown) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const key = `${ids.join(',')}|${leaves.join(',')}`;
  useEffect(() => {
    if (ids.length === 0) return;
    let client: MqttClient | undefined;
    let closed = false;
    connect().then((c) => {
      client = c;
      if (closed) return void c.end(true);
      c.on('connect', () => {
        setState('live');
        c.subscribe(ids.flatMap((id) => leaves.map((leaf) => `${TOPIC_ROOT}/${id}/${leaf}`)), { qos: 0 });
      });
      c.on('close', () => setState((s) => (s === 'live' ? 'connecting' : s)));
      c.on('error', () => setState('unavailable'));
      c.on('message', (topic, payload) => {
        const rest = topic.slice(TOPIC_ROOT.length + 1);
        const slash = rest.indexOf('/');
        try {
          handler.current(rest.slice(0, slash), rest.slice(slash + 1), JSON.parse(new TextDecoder().decode(payload)));
        } catch {
          // Not JSON: nothing the console can show.
        }
      });
    }, () => setState('unavailable'));
    return () => {
      closed = true;
      client?.end(true);
    };
  }, [key]);
  return state;
}
