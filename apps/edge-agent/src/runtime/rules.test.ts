import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AFDD_SETTINGS } from '@prometheus/afdd';
import type { DeployManifest, Reading, RuleAlertEvent } from '@prometheus/protocol';
import { openSqlite } from '../outbox/open-db.js';
import { InferenceQueue } from './inference-queue.js';
import { createRuleStage, ruleConfig, RuleRunner } from './rules.js';

// The rules at the edge: sensor readings in the site's own names and units through the deployment's point map
// into the shared monitor; one alert per fault condition that holds past the alarm delay, one clear when it stops.
const T0 = Date.UTC(2026, 5, 1);
const MINUTE = 60_000;
const c = (f: number) => ((f - 32) * 5) / 9;

const RULES: NonNullable<DeployManifest['rules']> = {
  points: [
    { column: 'SA_TEMP', input: 'sat', unit: 'C' }, { column: 'MA_TEMP', input: 'mat', unit: 'C' },
    { column: 'RA_TEMP', input: 'rat', unit: 'F' }, { column: 'OA_TEMP', input: 'oat', unit: 'F' },
    { column: 'SAT_SP', input: 'sat_sp', unit: 'F' }, { column: 'OA_DMPR', input: 'oa_damper', unit: 'percent' },
    { column: 'CHW_VLV', input: 'cool_valve', unit: 'percent' }, { column: 'HW_VLV', input: 'heat_valve', unit: 'percent' },
    { column: 'SF_STATUS', input: 'fan_status', unit: 'binary' },
  ],
  settings: { ...DEFAULT_AFDD_SETTINGS, min_oa_fraction: 0.2 },
};

/** Mechanical cooling at minimum outdoor air (OS4), healthy: supply air at its 55 F set point. */
function os4(minute: number, fault: 'none' | 'fc12' | 'fc12+fc13' = 'none'): Reading {
  const sat = fault === 'none' ? 55 : 90;
  return {
    ts: T0 + minute * MINUTE,
    values: {
      SA_TEMP: c(sat), MA_TEMP: c(78), RA_TEMP: 75, OA_TEMP: 90, SAT_SP: 55, OA_DMPR: 20, CHW_VLV: fault === 'fc12+fc13' ? 100 : 60, HW_VLV: 0,
      SF_STATUS: 1, UNMAPPED: 3,
    },
  };
}
const minutes = (from: number, to: number, fault: Parameters<typeof os4>[1] = 'none') => Array.from({ length: to - from }, (_, i) => os4(from + i, fault));
const brief = (e: RuleAlertEvent) => ({ state: e.state, fc: e.fault_condition, family: e.family });

describe('RuleRunner', () => {
  const runner = () => new RuleRunner(ruleConfig(RULES), { deploymentId: 'dep_abcdef', targetName: 'AHU-1' });

  it('a heating valve leaking in cooling (FC12 for 45 min) raises one alert naming the condition, family and evidence, and one clear', () => {
    const r = runner();
    expect(r.push(minutes(0, 40))).toEqual([]);
    const raised = r.push(minutes(40, 85, 'fc12'));
    expect(raised.map(brief)).toEqual([{ state: 'raised', fc: 'FC12', family: 'heating_valve' }]);
    const a = raised[0]!;
    expect(a).toMatchObject({ operating_state: 'OS4', cleared_at: null, id: `dep_abcdef-FC12-${a.raised_at}` });
    expect(Date.parse(a.since)).toBeGreaterThanOrEqual(T0 + 40 * MINUTE);
    expect(a.raised_at - Date.parse(a.since)).toBeGreaterThanOrEqual(30 * MINUTE);
    expect(a.evidence[0]).toMatch(/heating valve/);
    expect(a.message).toMatch(/^AHU-1: FC12 \(heating_valve\)/);
    const cleared = r.push(minutes(85, 105));
    expect(cleared.map(brief)).toEqual([{ state: 'cleared', fc: 'FC12', family: 'heating_valve' }]);
    expect(cleared[0]).toMatchObject({ id: a.id, raised_at: a.raised_at, since: a.since });
    expect(cleared[0]!.cleared_at).toBeGreaterThanOrEqual(T0 + 85 * MINUTE);
    // Within the rules' own 5-minute means of the condition ending: no model persistence (60 min) delays a rule's clear.
    expect(cleared[0]!.cleared_at).toBeLessThanOrEqual(T0 + (85 + 5) * MINUTE);
    expect(r.state()).toEqual({});
  });

  it('FC12 and FC13 together: one alert and one clear each; 29 minutes raise nothing', () => {
    const r = runner();
    r.push(minutes(0, 40));
    const events = [...r.push(minutes(40, 80, 'fc12+fc13')), ...r.push(minutes(80, 100))];
    expect(events.map((e) => `${e.state} ${e.fault_condition}`).sort()).toEqual(['cleared FC12', 'cleared FC13', 'raised FC12', 'raised FC13']);
    const short = runner();
    short.push(minutes(0, 40));
    expect([...short.push(minutes(40, 69, 'fc12')), ...short.push(minutes(69, 90))]).toEqual([]);
  });

  it('after a restart an alert still holding is not raised twice; one that stopped holding clears', () => {
    const first = runner();
    first.push(minutes(0, 40));
    const [raised] = first.push(minutes(40, 80, 'fc12'));
    const saved = first.state();
    const holding = new RuleRunner(ruleConfig(RULES), { deploymentId: 'dep_abcdef', targetName: 'AHU-1' }, saved);
    expect(holding.push(minutes(80, 200, 'fc12'))).toEqual([]);
    expect(holding.push(minutes(200, 220)).map((e) => [e.state, e.id])).toEqual([['cleared', raised!.id]]);
    const recovered = new RuleRunner(ruleConfig(RULES), { deploymentId: 'dep_abcdef', targetName: 'AHU-1' }, saved);
    expect(recovered.push(minutes(80, 200)).map((e) => [e.state, e.id])).toEqual([['cleared', raised!.id]]);
  });

  it('refuses a map no rule can run on, and bad settings by name', () => {
    expect(() => ruleConfig({ points: [{ column: 'SAT', input: 'sat', unit: 'F' }], settings: {} })).toThrow(/no rule can run/);
    expect(() => ruleConfig({ ...RULES, settings: { eps_sat: -1 } })).toThrow(/eps_sat/);
    expect(() => ruleConfig({ ...RULES, points: [{ column: 'X', input: 'nonsense', unit: null }] })).toThrow(/rules.points.0.input/);
  });
});

describe('the runtime rule stage', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const manifest = (id: string, rules: DeployManifest['rules'] | null = RULES) => ({ deployment_id: id, model_id: 'mdl_1', rules: rules ?? undefined }) as unknown as DeployManifest;

  it('queues rule_alert messages, keeps open alerts across a restart, and clears them when the deployment is replaced', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-stage-'));
    dirs.push(dir);
    const file = path.join(dir, 'inference.db');
    let queue = new InferenceQueue(openSqlite(file), 1000);
    const stage = createRuleStage(() => 'AHU-1');
    stage.activate(manifest('dep_aaaaaa'), queue, T0);
    expect(stage.push(minutes(0, 80).map((r, i) => (i >= 40 ? os4(i, 'fc12') : r)), queue)).toBe(1);
    expect(queue.peek(10)).toMatchObject([{ kind: 'rule_alert', deployment_id: 'dep_aaaaaa', model_id: 'mdl_1', alert: { state: 'raised', fault_condition: 'FC12' } }]);
    queue.close();

    queue = new InferenceQueue(openSqlite(file), 1000);
    const restarted = createRuleStage(() => 'AHU-1');
    restarted.activate(manifest('dep_aaaaaa'), queue, T0);
    expect(restarted.push(minutes(80, 200, 'fc12'), queue)).toBe(0);
    expect(restarted.activate(manifest('dep_bbbbbb', null), queue, T0 + 200 * MINUTE)).toBe(1);
    expect(restarted.active()).toBe(false);
    const [, cleared] = queue.peek(10);
    expect(cleared).toMatchObject({ kind: 'rule_alert', deployment_id: 'dep_aaaaaa', alert: { state: 'cleared', fault_condition: 'FC12', cleared_at: T0 + 200 * MINUTE } });
    expect((cleared as { alert: RuleAlertEvent }).alert.message).toMatch(/replaced by dep_bbbbbb/);
    queue.close();
  });
});
