import { normalizeWindow, StreamScorer, type StreamResult } from '@prometheus/ml/inference';
import type { DeployManifest, EdgeAlertEvent, EdgeScore, Reading, RunningModel } from '@prometheus/protocol';
import type { AgentComponent, AgentContext } from '../agent.js';
import { openSqlite } from '../outbox/open-db.js';
import { initialAlertState, initialRangeState, stepAlert, stepRange, type AlertState, type RangeState } from './alerts.js';
import { DriftKeeper } from './drift.js';
import { InferenceQueue } from './inference-queue.js';
import { metadataOf, type LoadedModel } from './model.js';
import { createRuleStage } from './rules.js';
import { ShadowRun, type ShadowWindow } from './shadow.js';
import { ReadingWindow } from './window.js';

// Inference beside the equipment: every reading the agent collects (outbox.onAppend) moves the model's
// window; each full window is z-scored with the manifest's statistics and scored, the score goes into the
// agent's own store-and-forward queue for `inference`, and the alert hysteresis runs on it. Nothing here
// needs the hub: offline, scores and alerts wait in the queue and go out in order when the link is back.
// The score is the model's reported one (its persistence over raw window scores, `StreamScorer`), as the
// hub's evaluations compute it; a window outside the model's training envelope is not a fault but an
// "outside the trained range" notice (stepRange).

const SCORE_BATCH = 500;
// A wasm session.run holds the event loop: under qemu the full-size autoencoder takes ~0.3 s a window, so a
// backlog is scored a few windows per run, yielding between runs so MQTT keepalives and polls go on.
const RUN_BATCH = 4;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface InferenceRuntime extends AgentComponent {
  /** Makes a loaded (and health-checked) model the one that scores; the previous one is closed. */
  activate(loaded: LoadedModel): Promise<void>;
  /** Makes a rules-only deployment the running one: the model (if any) is closed, the rules run alone. */
  activateRulesOnly(manifest: DeployManifest): Promise<void>;
  running(): RunningModel | null;
  /** Runs a loaded (and health-checked) shadow model beside the live one; a previous shadow is closed. */
  activateShadow(loaded: LoadedModel): Promise<void>;
  /** Makes the running shadow the live model; the live one is closed (its files stay installed for rollback). */
  promoteShadow(): Promise<LoadedModel | undefined>;
  shadow(): RunningModel | null;
  /** The live model's manifest (null: none, or rules only). */
  liveManifest(): LoadedModel['manifest'] | null;
  /** Resolves when every reading handed over so far is scored and queued (tests, shutdown). */
  idle(): Promise<void>;
  queueDepth(): number;
}

export function createInferenceRuntime(ctx: AgentContext): InferenceRuntime {
  const { config, link, log } = ctx;
  const opts = config.inference;
  let queue: InferenceQueue | undefined;
  let active: { loaded: LoadedModel; alert: AlertState; range: RangeState; stream: StreamScorer } | undefined;
  const window = new ReadingWindow(1, Number.POSITIVE_INFINITY);
  let pending: EdgeScore[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let publishing = false;
  const rules = createRuleStage(() => ctx.credentials.target_name);
  let rulesOnly: DeployManifest | undefined;
  let shadow: ShadowRun | undefined;
  let drift: DriftKeeper | undefined;
  const driftKey = (deploymentId: string) => `drift:${deploymentId}`;
  const shadowKey = (deploymentId: string) => `shadow-alert:${deploymentId}`;

  /** Sends the drift hours that are over (all of them when the live model changes); saves the open ones. */
  function sendDrift(all = false): void {
    if (!active || !queue || !drift) return;
    const { manifest } = active.loaded;
    const hours = drift.closed(all);
    for (const h of hours) queue.push({ v: 1, kind: 'drift', deployment_id: manifest.deployment_id, model_id: manifest.model_id, drift: h });
    queue.setMeta(driftKey(manifest.deployment_id), drift.snapshot());
    if (hours.length > 0) void publish();
  }

  function startDrift(loaded: LoadedModel): void {
    const dist = loaded.manifest.model.distribution;
    drift = dist ? new DriftKeeper(dist, queue?.meta(driftKey(loaded.manifest.deployment_id))) : undefined;
  }

  /** The shadow scores the live model's windows; its pairs and alarms go out as shadow results. */
  async function scoreShadow(windows: ShadowWindow[]): Promise<void> {
    const s = shadow;
    if (!s || !queue || !active || windows.length === 0) return;
    const events = await s.score(windows, ctx.credentials.target_name);
    if (shadow !== s) return;
    queue.setMeta(shadowKey(s.id), JSON.stringify(s.alert));
    const m = s.loaded.manifest;
    const pairs = s.take();
    for (let i = 0; i < pairs.length; i += SCORE_BATCH) {
      queue.push({ v: 1, kind: 'shadow_scores', deployment_id: m.deployment_id, model_id: m.model_id, live_deployment_id: active.loaded.manifest.deployment_id, scores: pairs.slice(i, i + SCORE_BATCH) });
    }
    for (const event of events) {
      queue.push({ v: 1, kind: 'shadow_alert', deployment_id: m.deployment_id, model_id: m.model_id, alert: event });
      log.info(`shadow alarm ${event.state} (recorded, not raised)`, { alarm: event.id, score: event.peak_score });
    }
    void publish();
  }

  /** The deployment's Guideline 36 rules see every reading the model sees (rules.ts). */
  function applyRules(readings: Reading[]): void {
    if (!queue || !rules.active()) return;
    if (rules.push(readings, queue) > 0) void publish();
  }

  const alertKey = (deploymentId: string) => `alert:${deploymentId}`;
  const rangeKey = (deploymentId: string) => `range:${deploymentId}`;

  async function publish(): Promise<void> {
    if (publishing || !queue) return;
    publishing = true;
    try {
      while (link.connected && queue) {
        const batch = queue.peek(16);
        if (batch.length === 0) break;
        for (const msg of batch) {
          await link.publish('inference', JSON.stringify(msg), { qos: 1 });
          queue.remove(msg.seq);
        }
      }
    } catch (err) {
      log.debug('inference publish interrupted; kept for later', { err });
    } finally {
      publishing = false;
    }
  }

  function flush(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (!active || !queue || pending.length === 0) return;
    const { manifest } = active.loaded;
    for (let i = 0; i < pending.length; i += SCORE_BATCH) {
      queue.push({ v: 1, kind: 'scores', deployment_id: manifest.deployment_id, model_id: manifest.model_id, scores: pending.slice(i, i + SCORE_BATCH) });
    }
    pending = [];
    void publish();
  }

  function record(ts: number, r: StreamResult): void {
    if (!active || !queue) return;
    const { manifest } = active.loaded;
    const { score, anomaly } = r;
    pending.push(r.out_of_range ? { ts, score, anomaly, out_of_range: true } : { ts, score, anomaly });
    const ctxAlert = { policy: manifest.alerts, threshold: manifest.model.threshold, deploymentId: manifest.deployment_id, targetName: ctx.credentials.target_name };
    const range = stepRange(active.range, ctxAlert, ts, r.out_of_range);
    active.range = range.state;
    queue.setMeta(rangeKey(manifest.deployment_id), JSON.stringify(range.state));
    if (range.event) emit(range.event, score);
    // Outside the trained range the anomaly hysteresis does not move: the model has not seen this operation.
    if (r.out_of_range) return void (flushTimer ??= setTimeout(flush, opts.batch_ms));
    const step = stepAlert(active.alert, ctxAlert, ts, score);
    active.alert = step.state;
    queue.setMeta(alertKey(manifest.deployment_id), JSON.stringify(step.state));
    if (step.event) emit(step.event, score);
    else flushTimer ??= setTimeout(flush, opts.batch_ms);
  }

  function emit(event: EdgeAlertEvent, score: number): void {
    if (!active || !queue) return;
    const { manifest } = active.loaded;
    flush(); // scores before the alert they led to
    queue.push({ v: 1, kind: 'alert', deployment_id: manifest.deployment_id, model_id: manifest.model_id, alert: event });
    log.warn(`alert ${event.state}`, { alert: event.id, kind: event.kind ?? 'anomaly', score });
    void publish();
  }

  /** Windows ending at the newest `max_windows_per_poll` readings of the batch are scored. */
  async function score(readings: Reading[]): Promise<void> {
    const model = active?.loaded;
    const scoredFrom = Math.max(0, readings.length - opts.max_windows_per_poll);
    if (!model) {
      for (const r of readings) window.push(r);
      return;
    }
    const meta = metadataOf(model.manifest);
    const windows: { ts: number; data: Float32Array; rows: (number | null)[][] }[] = [];
    readings.forEach((r, i) => {
      if (!window.push(r)) return;
      drift?.reading(r);
      if (i < scoredFrom || !window.full) return;
      const rows = window.rows(meta.feature_columns);
      windows.push({ ts: r.ts, data: normalizeWindow(meta, rows), rows });
    });
    const size = meta.sequence_length * meta.feature_columns.length;
    // The JavaScript evaluator gains nothing from batches (no SIMD across windows): one window per run keeps
    // the event loop's longest hold to one window.
    const perRun = model.model.runtime === 'onnx-js' ? 1 : RUN_BATCH;
    for (let i = 0; i < windows.length; i += perRun) {
      const part = windows.slice(i, i + perRun);
      const input = new Float32Array(part.length * size);
      part.forEach((w, k) => input.set(w.data, k * size));
      const results = await model.model.runNormalized(input, part.length);
      if (active?.loaded !== model) return; // replaced meanwhile
      const stream = active.stream;
      const paired: ShadowWindow[] = [];
      results.forEach((res, k) => {
        const w = part[k] as (typeof windows)[number];
        const r = stream.next(w.ts, res, w.rows);
        if (!r.out_of_range) drift?.score(w.ts, r.score);
        record(w.ts, r);
        paired.push({ ts: w.ts, rows: w.rows, live: r });
      });
      await scoreShadow(paired);
      await yieldToLoop();
    }
    sendDrift();
  }

  return {
    name: 'runtime',
    start(): void {
      queue = new InferenceQueue(openSqlite(ctx.paths.inference), opts.max_queued);
      ctx.outbox.onAppend((readings) => {
        chain = chain.then(() => {
          applyRules(readings);
          return score(readings);
        }).catch((err: unknown) => log.error('scoring failed', { err }));
      });
      ctx.onLinkUp(() => void publish());
    },
    async stop(): Promise<void> {
      await chain;
      flush();
      if (active && drift) queue?.setMeta(driftKey(active.loaded.manifest.deployment_id), drift.snapshot());
      await active?.loaded.model.close();
      await shadow?.loaded.model.close();
      active = undefined;
      shadow = undefined;
      queue?.close();
      queue = undefined;
    },
    async activate(loaded: LoadedModel): Promise<void> {
      await chain;
      flush();
      sendDrift(true); // the outgoing model's open hour, partial: its own deployment's
      const previous = active?.loaded;
      const m = loaded.manifest.model;
      window.resize(m.sequence_length, Math.max(5 * m.sampling_interval_seconds, 3 * config.interval_s) * 1000);
      const saved = queue?.meta(alertKey(loaded.manifest.deployment_id));
      const savedRange = queue?.meta(rangeKey(loaded.manifest.deployment_id));
      active = {
        loaded, alert: saved ? (JSON.parse(saved) as AlertState) : initialAlertState(),
        range: savedRange ? (JSON.parse(savedRange) as RangeState) : initialRangeState(), stream: new StreamScorer(metadataOf(loaded.manifest)),
      };
      rulesOnly = undefined;
      startDrift(loaded);
      if (queue && rules.activate(loaded.manifest, queue, Date.now()) > 0) void publish();
      if (previous && previous !== loaded && previous !== shadow?.loaded) await previous.model.close();
      log.info('model active', { deployment: loaded.manifest.deployment_id, model: loaded.manifest.model_id, runtime: loaded.model.runtime });
    },
    async activateRulesOnly(manifest: DeployManifest): Promise<void> {
      await chain;
      flush();
      sendDrift(true);
      const previous = active?.loaded;
      active = undefined;
      drift = undefined;
      rulesOnly = manifest;
      if (queue && rules.activate(manifest, queue, Date.now()) > 0) void publish();
      await previous?.model.close();
      log.info('rules active without a model', { deployment: manifest.deployment_id });
    },
    running(): RunningModel | null {
      const m = active?.loaded.manifest ?? rulesOnly;
      return m ? { deployment_id: m.deployment_id, model_id: m.model_id, model_version: m.model_version } : null;
    },
    async activateShadow(loaded: LoadedModel): Promise<void> {
      await chain;
      const previous = shadow;
      const saved = queue?.meta(shadowKey(loaded.manifest.deployment_id));
      shadow = new ShadowRun(loaded, saved ? (JSON.parse(saved) as AlertState) : undefined);
      if (previous && previous.loaded !== loaded) await previous.loaded.model.close();
      log.info('shadow model running beside the live one', { deployment: loaded.manifest.deployment_id, model: loaded.manifest.model_id });
    },
    async promoteShadow(): Promise<LoadedModel | undefined> {
      await chain;
      const s = shadow;
      if (!s) return undefined;
      shadow = undefined;
      await this.activate(s.loaded);
      return s.loaded;
    },
    liveManifest: () => active?.loaded.manifest ?? null,
    shadow(): RunningModel | null {
      const m = shadow?.loaded.manifest;
      return m ? { deployment_id: m.deployment_id, model_id: m.model_id, model_version: m.model_version } : null;
    },
    idle: async () => {
      await chain;
      flush();
    },
    queueDepth: () => queue?.depth() ?? 0,
  };
}
