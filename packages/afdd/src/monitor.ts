// The one rule engine: readings one at a time, constant memory. diagnoseSeries feeds it row by row, so a hub
// diagnosis and an edge alert come from the same code path.
import { AFDD_INPUTS, type AfddInput } from './inputs.js';
import { MinOaEstimator, qualifiesForMinOa } from './min-oa.js';
import { MixingBoxTally } from './mixing-box.js';
import { RollingMean } from './rolling.js';
import { RULES } from './rules-cooling.js';
import { STATE_INPUTS, type Means, type Rule, type RuleContext } from './rules.js';
import type { AfddSettings } from './settings.js';
import { fanProvenOn, operatingState } from './states.js';
import type { ActiveFault, OperatingState, SkippedRule } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INDEX = new Map<AfddInput, number>(AFDD_INPUTS.map((name, i) => [name, i]));
const OCCUPIED = AFDD_INPUTS.indexOf('occupied');
const OA_DAMPER = AFDD_INPUTS.indexOf('oa_damper');
const STATE_BIT: Record<OperatingState, number> = { OS1: 1, OS2: 2, OS3: 4, OS4: 8, OS5: 16 };

/** Per rule: a bit per state it judges in (0: every state, no mode delay). */
const stateMask = (rule: Rule): number => (rule.states === 'all' ? 0 : rule.states.reduce((m, s) => m | STATE_BIT[s], 0));

/** A fault that stopped holding: `until` is the reading where it cleared (or the last one before a gap). */
export interface ClearedFault extends ActiveFault {
  until: string;
  /** The mean excess of the rule's equation over every reading that held (its `size.unit`): what standing judges. */
  deviation: number;
}

export interface MonitorEvents {
  started: ActiveFault[];
  cleared: ClearedFault[];
}

const NO_EVENTS: MonitorEvents = Object.freeze({ started: [], cleared: [] }) as unknown as MonitorEvents;

export class RuleMonitor {
  private readonly rules: Rule[];
  private readonly skipped: SkippedRule[];
  private readonly available: readonly AfddInput[];
  private readonly tracked: { name: AfddInput; index: number; rolling: RollingMean }[];
  private readonly masks: Uint8Array;
  private readonly ctx: RuleContext = { state: 'OS5', minOa: Number.NaN, stateChangesLastHour: 0 };
  private readonly means = Object.fromEntries(AFDD_INPUTS.map((n) => [n, Number.NaN])) as Means;
  private readonly raw = new Float64Array(AFDD_INPUTS.length);
  private readonly estimator: MinOaEstimator | null;
  private readonly changes: Float64Array; // ring of state-change times within the last hour
  private changeHead = 0;
  private changeCount = 0;
  private readonly since: Float64Array; // per rule: when its condition began holding (NaN: not holding)
  private readonly faults: (ActiveFault | null)[];
  private readonly tallies: (MixingBoxTally | null)[]; // per rule comparing supply with mixed air: its alarm-delay tally
  private readonly excessSum: Float64Array; // per rule: the sum and count of its excess since it began holding
  private readonly excessCount: Float64Array;
  private lastT = Number.NaN;
  private state: OperatingState | null = null;
  private stateSince = Number.NaN;

  constructor(
    private readonly settings: AfddSettings,
    available: readonly AfddInput[],
  ) {
    this.available = AFDD_INPUTS.filter((n) => available.includes(n));
    const { rules, skipped } = applicableRules(this.available);
    this.rules = rules;
    this.skipped = skipped;
    this.tracked = this.available.map((name) => ({ name, index: INDEX.get(name) as number, rolling: new RollingMean(settings.rolling_minutes * MINUTE) }));
    this.masks = Uint8Array.from(rules, stateMask);
    this.estimator = settings.min_oa_fraction === null ? new MinOaEstimator() : null;
    this.changes = new Float64Array(Math.max(64, settings.max_state_changes_per_hour + 1));
    this.since = new Float64Array(rules.length).fill(Number.NaN);
    this.faults = rules.map(() => null);
    this.tallies = rules.map((r) => (r.mixingBox ? new MixingBoxTally() : null));
    this.excessSum = new Float64Array(rules.length);
    this.excessCount = new Float64Array(rules.length);
  }

  /** One reading (canonical units; absent or NaN = missing). Out-of-order or repeated timestamps are ignored. */
  push(timestampMs: number, reading: Partial<Record<AfddInput, number>>): MonitorEvents {
    this.raw.fill(Number.NaN);
    for (const name of this.available) {
      const v = reading[name];
      if (typeof v === 'number') this.raw[INDEX.get(name) as number] = v;
    }
    return this.step(timestampMs, this.raw);
  }

  /** The shared step: `raw` holds one value per AFDD_INPUTS entry, in that order. */
  step(t: number, raw: Float64Array): MonitorEvents {
    if (!Number.isFinite(t) || (!(t > this.lastT) && this.lastT === this.lastT)) return NO_EVENTS;
    let cleared: ClearedFault[] | null = null;
    if (t - this.lastT > this.settings.max_gap_minutes * MINUTE) cleared = this.restart(this.lastT);
    this.lastT = t;
    for (const { name, index, rolling } of this.tracked) this.means[name] = rolling.push(t, raw[index] as number);
    const m = this.means;
    const fanOn = fanProvenOn(m.fan_status, m.fan_speed, this.settings);
    if (this.estimator && qualifiesForMinOa(fanOn, raw[OCCUPIED] as number)) this.estimator.add(raw[OA_DAMPER] as number);
    const minOa = this.minOa();
    const state = fanOn && minOa !== null ? operatingState({ heat: m.heat_valve, cool: m.cool_valve, damper: m.oa_damper }, minOa, this.settings) : null;
    this.noteState(t, state);
    const ctx = this.ctx;
    ctx.state = state ?? 'OS5';
    ctx.minOa = minOa ?? Number.NaN;
    ctx.stateChangesLastHour = this.changeCount;
    const settled = t - this.stateSince >= this.settings.mode_delay_minutes * MINUTE;
    const bit = state === null ? 0 : STATE_BIT[state];
    let started: ActiveFault[] | null = null;
    for (let r = 0; r < this.rules.length; r++) {
      const rule = this.rules[r] as Rule;
      const mask = this.masks[r] as number;
      const judged = fanOn && (mask === 0 ? rule.id !== 'FC4' || state !== null : settled && (mask & bit) !== 0);
      if (judged && rule.holds(m, this.settings, ctx)) {
        if (!(this.since[r] === this.since[r])) {
          this.since[r] = t;
          this.tallies[r]?.reset();
          this.excessSum[r] = this.excessCount[r] = 0;
        }
        this.excessSum[r] = (this.excessSum[r] as number) + rule.size.excess(m, this.settings, ctx);
        this.excessCount[r] = (this.excessCount[r] as number) + 1;
        if (this.faults[r] === null) this.tallies[r]?.add(m, this.settings, ctx.minOa);
        if (this.faults[r] === null && t - (this.since[r] as number) >= this.settings.alarm_delay_minutes * MINUTE) {
          ctx.mixingBox = this.tallies[r];
          const fault = this.raise(rule, ctx, state, this.since[r] as number);
          ctx.mixingBox = null;
          this.faults[r] = fault;
          (started ??= []).push(fault);
        }
      } else {
        const fault = this.faults[r];
        if (fault) (cleared ??= []).push({ ...fault, until: iso(t), deviation: this.deviation(r) });
        this.faults[r] = null;
        this.since[r] = Number.NaN;
      }
    }
    return started || cleared ? { started: started ?? [], cleared: cleared ?? [] } : NO_EVENTS;
  }

  /** Faults now active (held at least the alarm delay and still holding). */
  active(): ActiveFault[] {
    return this.faults.filter((f): f is ActiveFault => f !== null);
  }

  skippedRules(): SkippedRule[] {
    return this.skipped.map((s) => ({ ...s }));
  }

  /** The minimum outdoor-air position in use: configured, or the live estimate once enough readings qualify. */
  minOa(): number | null {
    if (!this.estimator) return this.settings.min_oa_fraction;
    if (this.estimator.samples < this.settings.min_oa_min_samples) return null;
    return this.estimator.estimate(this.settings.min_oa_percentile);
  }

  /** Ends every active fault at `at` (the last reading before a gap, or the end of the data). */
  restart(at: number): ClearedFault[] {
    const cleared: ClearedFault[] = [];
    this.faults.forEach((f, r) => {
      if (f) cleared.push({ ...f, until: iso(at), deviation: this.deviation(r) });
    });
    for (const { rolling } of this.tracked) rolling.reset();
    this.faults.fill(null);
    this.since.fill(Number.NaN);
    this.state = null;
    this.stateSince = Number.NaN;
    this.changeCount = 0;
    return cleared;
  }

  /** Rounded to 0.001 of the rule's unit, so a diagnosis and its stored copy compare alike. */
  private deviation(r: number): number {
    return Math.round(((this.excessSum[r] as number) / (this.excessCount[r] as number)) * 1000) / 1000;
  }

  private noteState(t: number, state: OperatingState | null): void {
    const cap = this.changes.length;
    while (this.changeCount > 0 && (this.changes[this.changeHead] as number) <= t - HOUR) {
      this.changeHead = (this.changeHead + 1) % cap;
      this.changeCount--;
    }
    if (state === this.state) return;
    // Hunting counts changes between operating states; fan start and stop only restart the mode delay.
    if (state !== null && this.state !== null) {
      if (this.changeCount === cap) {
        this.changeHead = (this.changeHead + 1) % cap;
        this.changeCount--;
      }
      this.changes[(this.changeHead + this.changeCount) % cap] = t;
      this.changeCount++;
    }
    this.state = state;
    this.stateSince = t;
  }

  private raise(rule: Rule, ctx: RuleContext, state: OperatingState | null, since: number): ActiveFault {
    const { family, evidence } = rule.explain(this.means, this.settings, ctx);
    const extra = state === null ? ['The operating state is unknown (valve or damper commands are not mapped), so it is reported as OS5.'] : [];
    return { fault_condition: rule.id, family, operating_state: state ?? 'OS5', since: iso(since), evidence: [...evidence, ...extra] };
  }
}

const iso = (t: number): string => new Date(t).toISOString();

/** Rules whose inputs are all mapped; the rest listed with the inputs they lack. */
export function applicableRules(available: readonly AfddInput[]): { rules: Rule[]; skipped: SkippedRule[] } {
  const has = new Set(available);
  const rules: Rule[] = [];
  const skipped: SkippedRule[] = [];
  const fanKnown = has.has('fan_status') || has.has('fan_speed');
  for (const rule of RULES) {
    const needs = new Set<AfddInput>([...rule.inputs, ...(rule.states === 'all' ? [] : STATE_INPUTS)]);
    const missing = [...needs].filter((n) => !has.has(n));
    if (!fanKnown) skipped.push({ fault_condition: rule.id, reason: `the fan cannot be proven on: neither fan_status nor fan_speed is mapped${missing.length ? `; also missing ${missing.join(', ')}` : ''}` });
    else if (missing.length && rule.needs && rule.inputs.some((n) => !has.has(n))) {
      const [what, why] = rule.needs.split(': ');
      skipped.push({ fault_condition: rule.id, reason: `${what} (missing inputs: ${missing.join(', ')})${why ? `: ${why}` : ''}` });
    } else if (missing.length) skipped.push({ fault_condition: rule.id, reason: `missing inputs: ${missing.join(', ')}` });
    else rules.push(rule);
  }
  return { rules, skipped };
}
