import { normalizeWindow, StreamScorer, type StreamResult } from '@prometheus/ml/inference';
import type { EdgeAlertEvent, ShadowPair } from '@prometheus/protocol';
import { initialAlertState, stepAlert, type AlertState } from './alerts.js';
import { metadataOf, type LoadedModel } from './model.js';

// A shadow model beside the live one: it scores the same windows (the raw rows, normalized with its own
// statistics), its score is paired with the live model's for the hub's comparison, and its alarm hysteresis
// runs as the live model's does; but its alarms are only recorded upstream (`shadow_alert`), never raised.
export interface ShadowWindow {
  ts: number;
  rows: (number | null)[][];
  live: StreamResult;
}

export class ShadowRun {
  readonly stream: StreamScorer;
  pending: ShadowPair[] = [];

  constructor(readonly loaded: LoadedModel, public alert: AlertState = initialAlertState()) {
    this.stream = new StreamScorer(metadataOf(loaded.manifest));
  }

  get id(): string {
    return this.loaded.manifest.deployment_id;
  }

  /**
   * Scores the windows; returns the alarm events they caused. Windows outside either model's trained range are
   * not paired (neither model may alarm there).
   */
  async score(windows: ShadowWindow[], targetName: string): Promise<EdgeAlertEvent[]> {
    const meta = metadataOf(this.loaded.manifest);
    const size = meta.sequence_length * meta.feature_columns.length;
    const events: EdgeAlertEvent[] = [];
    for (const w of windows) {
      if (w.rows.length !== meta.sequence_length) continue;
      const input = new Float32Array(size);
      input.set(normalizeWindow(meta, w.rows));
      const [res] = await this.loaded.model.runNormalized(input, 1);
      if (!res) continue;
      const r = this.stream.next(w.ts, res, w.rows);
      if (r.out_of_range || w.live.out_of_range) continue;
      this.pending.push({ ts: w.ts, score: r.score, anomaly: r.anomaly, live_score: w.live.score, live_anomaly: w.live.anomaly });
      const m = this.loaded.manifest;
      const step = stepAlert(this.alert, { policy: m.alerts, threshold: m.model.threshold, deploymentId: m.deployment_id, targetName: `${targetName} (shadow)` }, w.ts, r.score);
      this.alert = step.state;
      if (step.event) events.push(step.event);
    }
    return events;
  }

  take(): ShadowPair[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
