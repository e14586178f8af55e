// Conformance of the Atlas Data API fake to docs/upstreams/sources.md ("mongodb") and the
// Data API documentation (request examples; "Data Formats": EJSON vs JSON by Accept header).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId } from 'bson';
import { startMongoDataApiFake } from './mongodb-data-api.js';
import type { MongoDataApiFake } from './mongodb-data-api.js';

describe('mongodb-data-api fake', () => {
  let fake: MongoDataApiFake;
  const id = new ObjectId('65a1b2c3d4e5f60718293a4b');
  const action = (name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${fake.apiUrl}/action/${name}`, {
      method: 'POST',
      headers: { apiKey: fake.apiKey, 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ dataSource: 'mongodb-atlas', database: 'building_data', collection: 'sensor_readings', ...body }),
    });

  beforeAll(async () => {
    fake = await startMongoDataApiFake();
    fake.insert('building_data', 'sensor_readings', [
      { _id: id, location: 'Warren', timestamp: '2026-01-02T00:00:00Z', at: new Date('2026-01-02T00:00:00Z'), temp: 71.5, tags: ['ahu', 'supply'] },
      { location: 'Warren', timestamp: '2025-12-30T00:00:00Z', at: new Date('2025-12-30T00:00:00Z'), temp: 70, tags: ['ahu'] },
      { location: 'Detroit', timestamp: '2026-01-03T00:00:00Z', at: new Date('2026-01-03T00:00:00Z'), temp: 65, meta: { floor: 2 } },
    ]);
  });
  afterAll(() => fake.close());

  it('finds with the contract filter and answers {"documents":[...]}', async () => {
    // "`POST <api_url>/action/find`, headers `apiKey: <key>`, `Content-Type: application/json`; body `{dataSource, database, collection, filter, projection, sort, limit, skip}`"
    const res = await action('find', { filter: { location: 'Warren', timestamp: { $gte: '2026-01-01T00:00:00Z' } } });
    expect(res.status).toBe(200);
    // "response `{"documents":[...]}`" — JSON format: ObjectId as hex, dates as ISO strings
    expect(await res.json()).toEqual({ documents: [{
      _id: id.toHexString(), location: 'Warren', timestamp: '2026-01-02T00:00:00Z', at: '2026-01-02T00:00:00.000Z', temp: 71.5, tags: ['ahu', 'supply'],
    }] });
  });

  it('answers canonical EJSON when asked (or by default) and parses EJSON filters', async () => {
    const res = await action('find', { filter: { at: { $gte: { $date: '2026-01-01T00:00:00Z' } }, location: 'Warren' }, projection: { temp: 1, at: 1 } },
      { accept: 'application/ejson' });
    expect(res.headers.get('content-type')).toBe('application/ejson');
    expect(await res.json()).toEqual({ documents: [{
      _id: { $oid: id.toHexString() }, at: { $date: { $numberLong: String(Date.parse('2026-01-02T00:00:00Z')) } }, temp: { $numberDouble: '71.5' },
    }] });
    const noAccept = await fetch(`${fake.apiUrl}/action/findOne`, {
      method: 'POST', headers: { apiKey: fake.apiKey, 'content-type': 'application/ejson' },
      body: JSON.stringify({ dataSource: 'mongodb-atlas', database: 'building_data', collection: 'sensor_readings', filter: { _id: { $oid: id.toHexString() } }, projection: { temp: 1, _id: 0 } }),
    });
    expect(await noAccept.json()).toEqual({ document: { temp: { $numberDouble: '71.5' } } });
  });

  it('supports sort, limit, skip, projection and common operators', async () => {
    const sorted = await action('find', { filter: {}, sort: { temp: -1 }, limit: 2, skip: 1, projection: { temp: 1, _id: 0 } });
    expect(await sorted.json()).toEqual({ documents: [{ temp: 70 }, { temp: 65 }] });
    const cases: [Record<string, unknown>, number[]][] = [
      [{ temp: { $in: [65, 70] } }, [70, 65]], [{ tags: 'supply' }, [71.5]], [{ 'meta.floor': 2 }, [65]],
      [{ meta: { $exists: false } }, [71.5, 70]], [{ location: { $regex: '^war', $options: 'i' } }, [71.5, 70]],
      [{ $or: [{ temp: { $lt: 66 } }, { temp: { $gt: 71 } }] }, [71.5, 65]], [{ temp: { $not: { $gt: 66 } } }, [65]],
      [{ tags: { $size: 1 } }, [70]], [{ location: { $ne: 'Warren' } }, [65]],
    ];
    for (const [filter, temps] of cases) {
      const res = await action('find', { filter, projection: { temp: 1 } });
      const body = (await res.json()) as { documents: { temp: number }[] };
      expect(body.documents.map((d) => d.temp), JSON.stringify(filter)).toEqual(temps);
    }
  });

  it('runs findOne and aggregate', async () => {
    expect(await (await action('findOne', { filter: { location: 'Nowhere' } })).json()).toEqual({ document: null });
    const agg = await action('aggregate', { pipeline: [{ $match: { location: 'Warren' } }, { $count: 'n' }] });
    expect(await agg.json()).toEqual({ documents: [{ n: 2 }] });
  });

  it('refuses bad keys with the spec InvalidSession body and reports query errors', async () => {
    // "401 `{"error":"invalid session: ...","error_code":"InvalidSession"}`"
    const wrong = await action('find', { filter: {} }, { apiKey: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: expect.stringMatching(/^invalid session: /), error_code: 'InvalidSession' });
    const bad = await action('find', { filter: { temp: { $near: 1 } } });
    expect(bad.status).toBe(400);
    const unknownSource = await action('find', { dataSource: 'other-cluster' });
    expect(unknownSource.status).toBe(404);
    const missing = await action('find', { collection: '' });
    expect(missing.status).toBe(400);
  });
});

describe('mongodb-data-api fake with pageCap', () => {
  it('returns at most the cap per find whatever `limit` asks; `skip` reaches the rest', async () => {
    const fake = await startMongoDataApiFake({ pageCap: 2 });
    try {
      fake.insert('building_data', 'sensor_readings', Array.from({ length: 5 }, (_, i) => ({ _id: i, temp: 60 + i })));
      // body `{dataSource, database, collection, filter, projection, sort, limit, skip}`; response `{"documents":[...]}`
      const find = async (skip: number, limit?: number) => {
        const res = await fetch(`${fake.apiUrl}/action/find`, {
          method: 'POST', headers: { apiKey: fake.apiKey, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ dataSource: 'mongodb-atlas', database: 'building_data', collection: 'sensor_readings', sort: { _id: 1 }, skip, limit }),
        });
        return ((await res.json()) as { documents: { _id: number }[] }).documents.map((d) => d._id);
      };
      expect(await find(0, 100)).toEqual([0, 1]);
      expect(await find(0)).toEqual([0, 1]);
      expect(await find(2, 100)).toEqual([2, 3]);
      expect(await find(4, 100)).toEqual([4]);
      expect(await find(5, 100)).toEqual([]);
      expect(await find(1, 1)).toEqual([1]);
    } finally {
      await fake.close();
    }
  });
});
