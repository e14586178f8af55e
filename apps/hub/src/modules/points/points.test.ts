import fs from 'node:fs';
import { AFDD_INPUTS, POINT_UNITS, type AfddInput } from '@prometheus/afdd';
import { AfddInputName, PointUnitName, type CreateTargetResponse, type PointMap, type PointRole } from '@prometheus/protocol';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { uploadOk } from '../datasets/test-helpers.js';

const LBNL = new URL('../../../../../test/fixtures/lbnl/', import.meta.url);
const csvOf = (file: string) => fs.readFileSync(new URL(file, LBNL));

let t: TestHub;
let operator: { token: string; id: string };
let szvav: string;
let mzvav: string;

beforeAll(async () => {
  t = await createTestHub();
  operator = await t.userWithRole('operator');
  szvav = (await uploadOk(t, operator.token, csvOf('SZVAV.csv'), { name: 'SZVAV', timezone: 'America/Los_Angeles' })).id;
  mzvav = (await uploadOk(t, operator.token, csvOf('MZVAV-2-1.csv'), { name: 'MZVAV-2-1' })).id;
}, 120_000);
afterAll(() => t.close());

async function getMap(url: string, token = operator.token): Promise<PointMap> {
  const res = await t.request('GET', url, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as PointMap;
}

const put = (url: string, points: unknown, token = operator.token) => t.request('PUT', url, { token, json: { points } });
const inputsOf = (map: PointMap) => Object.fromEntries(map.points.filter((p) => p.input).map((p) => [p.input, p.column]));

const COMMON: Partial<Record<AfddInput, string>> = {
  sat: 'AHU: Supply Air Temperature', mat: 'AHU: Mixed Air Temperature', rat: 'AHU: Return Air Temperature',
  oat: 'AHU: Outdoor Air Temperature', oa_damper: 'AHU: Outdoor Air Damper Control Signal',
  cool_valve: 'AHU: Cooling Coil Valve Control Signal', heat_valve: 'AHU: Heating Coil Valve Control Signal',
  fan_speed: 'AHU: Supply Air Fan Speed Control Signal', fan_status: 'AHU: Supply Air Fan Status', occupied: 'Occupancy Mode Indicator',
};

describe('suggested point maps', () => {
  it('the protocol names the same inputs and units as the afdd package', () => {
    expect(AfddInputName.options).toEqual([...AFDD_INPUTS]);
    expect(PointUnitName.options).toEqual([...POINT_UNITS]);
  });

  it('names every AFDD input of SZVAV from its headers, units from its values', async () => {
    const map = await getMap(`/api/v1/datasets/${szvav}/points`);
    expect(map.confirmed).toBe(false);
    expect(inputsOf(map)).toEqual({ ...COMMON, sat_sp: 'AHU: Supply Air Temperature Cooling Set Point' });
    const unit = Object.fromEntries(map.points.map((p) => [p.input, p.unit]));
    expect(unit).toMatchObject({ sat: 'F', oat: 'F', oa_damper: 'fraction', cool_valve: 'fraction', occupied: 'binary' });
    expect(map.points.find((p) => p.column === 'Datetime')).toEqual({ column: 'Datetime', brick_class: null, input: null, unit: null });
  });

  it('names every AFDD input of MZVAV-2-1, duct static pressure and its set point included', async () => {
    const map = await getMap(`/api/v1/datasets/${mzvav}/points`);
    expect(inputsOf(map)).toEqual({
      ...COMMON, sat_sp: 'AHU: Supply Air Temperature Set Point',
      duct_sp: 'AHU: Supply Air Duct Static Pressure', duct_sp_sp: 'AHU: Supply Air Duct Static Pressure Set Point',
    });
    expect(map.points.find((p) => p.input === 'duct_sp')).toMatchObject({ brick_class: 'Supply_Air_Static_Pressure_Sensor', unit: 'inH2O' });
  });
});

describe('confirming a point map', () => {
  it('round-trips a PUT; columns the map leaves out come back without a role', async () => {
    const suggested = await getMap(`/api/v1/datasets/${mzvav}/points`);
    const edited: PointRole[] = suggested.points.filter((p) => p.input !== null)
      .map((p) => (p.input === 'oa_damper' ? { ...p, unit: 'percent' } : p));
    const res = await put(`/api/v1/datasets/${mzvav}/points`, edited);
    expect(res.status, await res.clone().text()).toBe(200);
    const saved = await getMap(`/api/v1/datasets/${mzvav}/points`);
    expect(saved.confirmed).toBe(true);
    expect(saved.points.slice(0, edited.length)).toEqual(edited);
    const rest = saved.points.slice(edited.length);
    expect(rest.map((p) => p.column).sort()).toEqual(suggested.points.filter((p) => p.input === null).map((p) => p.column).sort());
    expect(rest.every((p) => p.brick_class === null && p.input === null && p.unit === null)).toBe(true);
    expect(await getMap(`/api/v1/datasets/${szvav}/points`)).toMatchObject({ confirmed: false });
  });

  it('refuses a bad map with 400 naming the field, and keeps the stored one', async () => {
    const url = `/api/v1/datasets/${szvav}/points`;
    const good: PointRole = { column: 'AHU: Supply Air Temperature', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'F' };
    expect((await put(url, [good])).status).toBe(200);
    const cases: [unknown, RegExp][] = [
      [[good, { ...good, column: 'No Such Column' }], /points\.1\.column' 'No Such Column' is not a column/],
      [[good, { ...good, column: 'AHU: Mixed Air Temperature' }], /points\.1\.input' 'sat' is already the input of points\.0/],
      [[{ ...good, brick_class: 'Supply_Air_Thermometer' }], /points\.0\.brick_class' 'Supply_Air_Thermometer' is not a Brick point class/],
      [[good, good], /points\.1\.column' 'AHU: Supply Air Temperature' is already mapped/],
      [[{ ...good, unit: 'K' }], /points\.0\.unit/],
      [[{ ...good, unit: 'percent' }], /points\.0\.unit' 'percent' does not fit input 'sat' \(one of F, C, or null\)/],
      [[{ ...good, input: 'supply_temp' }], /points\.0\.input/],
      [[{ ...good, extra: 1 }], /points\.0.*extra/],
    ];
    for (const [points, message] of cases) {
      const res = await put(url, points);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; details: string };
      expect(`${body.error} ${body.details}`).toMatch(message);
    }
    expect((await t.request('PUT', url, { token: operator.token, json: {} })).status).toBe(400);
    expect((await getMap(url)).points[0]).toEqual(good);
  });

  it('viewers read but may not write; another operator gets 404 both ways', async () => {
    const viewer = await t.userWithRole('viewer');
    const other = await t.userWithRole('operator');
    const url = `/api/v1/datasets/${szvav}/points`;
    expect((await put(url, [], viewer.token)).status).toBe(403);
    expect((await t.request('GET', url, { token: viewer.token })).status).toBe(404);
    expect((await t.request('GET', url, { token: other.token })).status).toBe(404);
    expect((await put(url, [], other.token)).status).toBe(404);
    expect((await t.request('GET', `${url}?format=ttl`, { token: other.token })).status).toBe(404);
    expect((await t.request('GET', url, { token: await t.adminToken() })).status).toBe(200);
    expect((await t.request('GET', `${url}?format=xml`, { token: operator.token })).status).toBe(400);
  });
});

describe('Brick Turtle', () => {
  it('exports the map as Turtle a real parser reads, each mapped column typed with its class and QUDT unit', async () => {
    const res = await t.request('GET', `/api/v1/datasets/${mzvav}/points?format=ttl`, { token: operator.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/turtle/);
    const quads = new Parser().parse(await res.text());
    const label = (column: string) => quads.find((q) => q.predicate.value.endsWith('#label') && q.object.value === column)!.subject.value;
    const sat = label('AHU: Supply Air Temperature');
    expect(sat).toMatch(new RegExp(`/api/v1/datasets/${mzvav}/points#`));
    const about = quads.filter((q) => q.subject.value === sat).map((q) => `${q.predicate.value} ${q.object.value}`);
    expect(about).toContain('http://www.w3.org/1999/02/22-rdf-syntax-ns#type https://brickschema.org/schema/Brick#Supply_Air_Temperature_Sensor');
    expect(about).toContain('https://brickschema.org/schema/Brick#hasUnit http://qudt.org/vocab/unit/DEG_F');
    expect(quads.some((q) => q.object.value === 'https://brickschema.org/schema/Brick#Air_Handling_Unit')).toBe(true);
  });
});

describe('edge datasets take the map of their target', () => {
  it('a target map is suggested from its edge dataset, confirmed on the target, and read through the dataset', async () => {
    const created = await t.request('POST', '/api/v1/deployments/targets', { token: operator.token, json: { name: 'Warren AHU-1' } });
    expect(created.status).toBe(201);
    const target = (await created.json()) as CreateTargetResponse;
    const targetUrl = `/api/v1/deployments/targets/${target.id}/points`;
    expect(await getMap(targetUrl)).toEqual({ points: [], confirmed: false });
    // Before readings arrive the sensor names are taken as given.
    expect((await put(targetUrl, [{ column: 'SAT', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'C' }])).status).toBe(200);

    const datasets = t.hub.services.datasets;
    const dsId = await datasets.ensureEdgeDataset({ targetId: target.id, targetName: target.name, ownerId: operator.id, equipmentType: 'air_handler' });
    await datasets.appendReadings(dsId, [0, 1, 2].map((i) => ({ timestamp: Date.UTC(2026, 0, 1, 0, i), values: { SAT: 13 + i, OAT: 5 - i, OA_DMPR: 20 * i } })));
    const viaDataset = await getMap(`/api/v1/datasets/${dsId}/points`);
    expect(viaDataset).toEqual(await getMap(targetUrl));
    expect(viaDataset.confirmed).toBe(true);
    expect(viaDataset.points.map((p) => [p.column, p.input])).toEqual([['SAT', 'sat'], ['timestamp', null], ['OAT', null], ['OA_DMPR', null]]);

    // A PUT through the dataset writes the target's map; names are now checked against the edge dataset.
    const full: PointRole[] = [
      { column: 'SAT', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'C' },
      { column: 'OAT', brick_class: 'Outside_Air_Temperature_Sensor', input: 'oat', unit: 'C' },
      { column: 'OA_DMPR', brick_class: 'Damper_Position_Command', input: 'oa_damper', unit: 'percent' },
    ];
    expect((await put(`/api/v1/datasets/${dsId}/points`, full)).status).toBe(200);
    expect((await getMap(targetUrl)).points.slice(0, 3)).toEqual(full);
    expect((await put(targetUrl, [{ ...full[0], column: 'MAT' }])).status).toBe(400);
    const ttl = await t.request('GET', `${targetUrl}?format=ttl`, { token: operator.token });
    expect(new Parser().parse(await ttl.text()).filter((q) => q.predicate.value.endsWith('#hasUnit'))).toHaveLength(3);

    const other = await t.userWithRole('operator');
    expect((await t.request('GET', targetUrl, { token: other.token })).status).toBe(404);
    expect((await put(targetUrl, full, other.token)).status).toBe(404);
  });
});
