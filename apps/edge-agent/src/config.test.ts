import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, OUTBOX_DEFAULTS, loadConfig } from './config.js';

const file = (content: unknown) => {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-config-')), 'config.json');
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('loadConfig', () => {
  it('applies defaults, then the file, then flags', () => {
    const c = loadConfig({ stateDir: '/tmp/s', config: file({ interval_s: 60, source: { kind: 'aegis', token: 't', collection: 'm' } }), interval: '5', aegisUrl: 'http://10.0.0.2:9090' });
    expect(c).toMatchObject({ stateDir: '/tmp/s', interval_s: 5, batch_size: 50, outbox: OUTBOX_DEFAULTS });
    expect(c.source).toMatchObject({ kind: 'aegis', url: 'http://10.0.0.2:9090', token: 't', collection: 'm', page_size: 500 });
    expect(loadConfig({ sensorsUrl: 'http://127.0.0.1:6100/sensors' }).source).toMatchObject({ kind: 'sensors' });
  });

  it('accepts the shipped example config', () => {
    const example = path.resolve(import.meta.dirname, '../packaging/config.example.json');
    expect(loadConfig({ config: example }).source).toMatchObject({ kind: 'aegis', collection: 'hardware_metrics' });
  });

  it('fails naming the field, and on unknown fields or a missing named file', () => {
    expect(() => loadConfig({ config: file({ outbox: { max_rows: 1 } }) })).toThrow(/outbox\.max_rows/);
    expect(() => loadConfig({ config: file({ intervall_s: 5 }) })).toThrow(/intervall_s|Unrecognized/);
    expect(() => loadConfig({ mqttUrl: 'http://x' })).toThrow(/mqtt_url/);
    expect(() => loadConfig({ config: '/nonexistent/config.json' })).toThrow(ConfigError);
    expect(() => loadConfig({ config: file('{nope') })).toThrow(/not JSON/);
    expect(() => loadConfig({ config: file({ inference: { runtime: 'tflite' } }) })).toThrow(/inference\.runtime/);
  });

  it('picks the model runtime: auto by default, or one named', () => {
    expect(loadConfig({}).inference.runtime).toBe('auto');
    expect(loadConfig({ config: file({ inference: { runtime: 'onnx-js' } }) }).inference).toMatchObject({ runtime: 'onnx-js', max_windows_per_poll: 120 });
  });
});
