import {
  AFDD_INPUTS, applicableRules, POINT_UNITS, parseAfddSettings, pointReader, RuleMonitor, type ActiveFault, type AfddInput, type AfddSettings, type PointReader,
  type PointRole, type PointUnit,
} from '@prometheus/afdd';
import type { DeployManifest, Reading, RuleAlertEvent } from '@prometheus/protocol';

// Guideline 36 rules beside the model: every reading the agent collects goes through the deployment's point map
// (sensor name -> AFDD input, converted to canonical units) into the shared RuleMonitor of @prometheus/afdd, the
// same step the hub's diagnosis runs. A fault condition that held for the alarm delay raises an alert naming the
// condition, the family and the evidence; the same alert clears when the condition stops holding.

const MINUTE = 60_000;

export interface RuleConfig {
  settings: AfddSettings;
  points: PointRole[];
}

/** The manifest's rules section checked with the rules package; throws a reason the install reports. */
export function ruleConfig(rules: NonNullable<DeployManifest['rules']>): RuleConfig {
  const settings = parseAfddSettings(rules.settings);
  const points = rules.points.map((p, i): PointRole => {
    if (!(AFDD_INPUTS as readonly string[]).includes(p.input)) throw new Error(`rules.points.${i}.input '${p.input}' is not an AFDD input`);
    if (p.unit !== null && !(POINT_UNITS as readonly string[]).includes(p.unit)) throw new Error(`rules.points.${i}.unit '${p.unit}' is not a point unit`);
    return { column: p.column, brick_class: null, input: p.input as AfddInput, unit: p.unit as PointUnit | null };
  });
  const { rules: runnable, skipped } = applicableRules(pointReader(points).inputs);
  if (runnable.length === 0) throw new Error(`no rule can run on the point map: ${skipped.map((r) => `${r.fault_condition} (${r.reason})`).join('; ')}`);
  return { settings, points };
}

/** An alert raised and not yet cleared, kept across restarts (the agent's queue metadata). */
export interface OpenRuleAlert {
  id: string;
  raised_at: number;
  fault: ActiveFault;
}
export type RuleAlertState = Record<string, OpenRuleAlert>;

export interface RuleRunnerContext {
  deploymentId: string;
  targetName: string;
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export class RuleRunner {
  private readonly monitor: RuleMonitor;
  private readonly reader: PointReader;
  private readonly open = new Map<string, OpenRuleAlert>();
  /** Alerts still open from before a restart: the monitor starts empty, so they are re-adopted or cleared. */
  private readonly carried = new Set<string>();
  private readonly graceMs: number;
  private firstTs = Number.NaN;

  constructor(private readonly config: RuleConfig, private readonly ctx: RuleRunnerContext, saved: RuleAlertState = {}) {
    this.reader = pointReader(config.points);
    this.monitor = new RuleMonitor(config.settings, this.reader.inputs);
    const s = config.settings;
    // Long enough for a condition still holding to be judged again: means, mode delay, alarm delay.
    this.graceMs = (s.rolling_minutes + s.mode_delay_minutes + s.alarm_delay_minutes + 1) * MINUTE;
    for (const [fc, alert] of Object.entries(saved)) {
      this.open.set(fc, alert);
      this.carried.add(fc);
    }
  }

  /** The readings in arrival order; the alert events they caused, in order. */
  push(readings: readonly Reading[]): RuleAlertEvent[] {
    const events: RuleAlertEvent[] = [];
    for (const r of readings) {
      if (this.firstTs !== this.firstTs) this.firstTs = r.ts;
      const { started, cleared } = this.monitor.push(r.ts, this.reader.read(r.values));
      for (const f of cleared) {
        const open = this.open.get(f.fault_condition);
        if (!open) continue;
        this.open.delete(f.fault_condition);
        events.push(this.clearEvent(open, Date.parse(f.until), `${f.fault_condition} no longer holds`));
      }
      for (const fault of started) {
        const fc = fault.fault_condition;
        if (this.carried.delete(fc) && this.open.has(fc)) continue; // still the alert raised before the restart
        const open = { id: `${this.ctx.deploymentId}-${fc}-${r.ts}`, raised_at: r.ts, fault };
        this.open.set(fc, open);
        events.push(this.raiseEvent(open));
      }
      if (this.carried.size > 0 && r.ts - this.firstTs >= this.graceMs) events.push(...this.dropCarried(r.ts));
    }
    return events;
  }

  /** Clears every open alert (the deployment was replaced). */
  closeAll(ts: number, why: string): RuleAlertEvent[] {
    const events = [...this.open.values()].map((a) => this.clearEvent(a, ts, why));
    this.open.clear();
    this.carried.clear();
    return events;
  }

  state(): RuleAlertState {
    return Object.fromEntries(this.open);
  }

  inputs(): readonly AfddInput[] {
    return this.reader.inputs;
  }

  private dropCarried(ts: number): RuleAlertEvent[] {
    const active = new Set(this.monitor.active().map((f) => f.fault_condition));
    const events: RuleAlertEvent[] = [];
    for (const fc of this.carried) {
      const open = this.open.get(fc);
      if (open && !active.has(fc)) {
        this.open.delete(fc);
        events.push(this.clearEvent(open, ts, `${fc} did not hold again after the agent restarted`));
      }
    }
    this.carried.clear();
    return events;
  }

  private raiseEvent(a: OpenRuleAlert): RuleAlertEvent {
    const f = a.fault;
    return {
      id: a.id, state: 'raised', fault_condition: f.fault_condition, family: f.family, operating_state: f.operating_state,
      evidence: f.evidence.slice(0, 20).map((e) => clip(e, 1000)), since: f.since, raised_at: a.raised_at, cleared_at: null,
      message: clip(`${this.ctx.targetName}: ${f.fault_condition} (${f.family}) since ${f.since}: ${f.evidence[0] ?? ''}`, 500),
    };
  }

  private clearEvent(a: OpenRuleAlert, at: number, why: string): RuleAlertEvent {
    const minutes = Math.round((at - Date.parse(a.fault.since)) / MINUTE);
    return { ...this.raiseEvent(a), state: 'cleared', cleared_at: at, message: clip(`${this.ctx.targetName}: ${a.fault.fault_condition} cleared after ${minutes} min: ${why}`, 500) };
  }
}

interface RuleQueue {
  push(message: { v: 1; kind: 'rule_alert'; deployment_id: string; model_id: string | null; alert: RuleAlertEvent }): number;
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
}

const stateKey = (deploymentId: string) => `rules:${deploymentId}`;

/**
 * The runtime's rule stage: one runner for the active deployment, its events queued for `inference` and its
 * open alerts saved beside them (a restart reloads the installed deployment and picks them up).
 */
export function createRuleStage(targetName: () => string) {
  let current: { runner: RuleRunner; deploymentId: string; modelId: string | null } | undefined;

  function emit(queue: RuleQueue, c: NonNullable<typeof current>, events: RuleAlertEvent[]): number {
    for (const alert of events) queue.push({ v: 1, kind: 'rule_alert', deployment_id: c.deploymentId, model_id: c.modelId, alert });
    if (events.length > 0) queue.setMeta(stateKey(c.deploymentId), JSON.stringify(c.runner.state()));
    return events.length;
  }

  return {
    /** The deployment's rules (none: the stage idles); the replaced deployment's open alerts clear. Returns events queued. */
    activate(manifest: DeployManifest, queue: RuleQueue, now: number): number {
      const before = current;
      let queued = 0;
      if (before && before.deploymentId !== manifest.deployment_id) {
        queued += emit(queue, before, before.runner.closeAll(now, `deployment ${before.deploymentId} was replaced by ${manifest.deployment_id}`));
      }
      if (before?.deploymentId === manifest.deployment_id) return queued;
      current = undefined;
      if (!manifest.rules) return queued;
      const saved = queue.meta(stateKey(manifest.deployment_id));
      const runner = new RuleRunner(ruleConfig(manifest.rules), { deploymentId: manifest.deployment_id, targetName: targetName() }, saved ? (JSON.parse(saved) as RuleAlertState) : {});
      current = { runner, deploymentId: manifest.deployment_id, modelId: manifest.model_id };
      return queued;
    },
    /** Every collected reading, in order; returns the number of alert events queued. */
    push(readings: readonly Reading[], queue: RuleQueue): number {
      return current ? emit(queue, current, current.runner.push(readings)) : 0;
    },
    active: (): boolean => current !== undefined,
  };
}
export type RuleStage = ReturnType<typeof createRuleStage>;
