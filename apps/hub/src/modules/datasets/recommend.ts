import type { Architecture, Hyperparameters, Recommendation } from '@prometheus/protocol';
import type { ColumnState } from '../../db/schema/index.js';

// Architecture recommendations computed from the data: how many rows, how often it is sampled, how many
// sensors, and whether a fault label exists (and how balanced it is). Each score carries its reasons.
export interface RecommendInput {
  rowCount: number;
  columns: string[];
  timeColumn: string | null;
  timeStart: number | null;
  timeEnd: number | null;
  stats: Record<string, ColumnState>;
  /** Typical gap between readings (ms); when absent, the mean over the time range. */
  intervalMs?: number | null;
}

const LABEL = /^(fault|faults|label|labels|anomaly|is_fault|fault_label|target|fault detection ground truth)$/i;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const pow2 = (v: number, lo: number, hi: number) => clamp(2 ** Math.round(Math.log2(Math.max(1, v))), lo, hi);
const round2 = (v: number) => Math.round(v * 100) / 100;

export interface DataFacts {
  rows: number;
  sensors: string[];
  label: { column: string; positiveShare: number } | null;
  /** Mean sampling interval in ms, when the data has times. */
  intervalMs: number | null;
  sequenceLength: number;
}

/** A 0/1 column named like a label; its mean is the share of faulted rows. */
export function findLabel(stats: Record<string, ColumnState>): DataFacts['label'] {
  for (const [name, s] of Object.entries(stats)) {
    if (LABEL.test(name.trim()) && s.kind === 'numeric' && s.min !== null && s.min >= 0 && s.max !== null && s.max <= 1) {
      return { column: name, positiveShare: s.mean };
    }
  }
  return null;
}

export function dataFacts(ds: RecommendInput): DataFacts {
  const label = findLabel(ds.stats);
  const sensors = ds.columns.filter((c) => c !== ds.timeColumn && c !== label?.column && ds.stats[c]?.kind === 'numeric');
  const span = ds.timeStart !== null && ds.timeEnd !== null ? ds.timeEnd - ds.timeStart : null;
  const intervalMs = ds.intervalMs ?? (span !== null && ds.rowCount > 1 && span > 0 ? span / (ds.rowCount - 1) : null);
  // About an hour of context per window, within what an LSTM trains well on.
  const sequenceLength = intervalMs ? clamp(Math.round(3_600_000 / intervalMs), 10, 120) : 60;
  return { rows: ds.rowCount, sensors, label, intervalMs, sequenceLength: Math.min(sequenceLength, Math.max(2, Math.floor(ds.rowCount / 4))) };
}

function sizedHyperparameters(f: DataFacts, arch: Architecture): Hyperparameters {
  const width = f.sensors.length;
  const hidden = pow2(width * 4, 16, 128);
  const windows = Math.max(1, f.rows - f.sequenceLength);
  return {
    learning_rate: 0.001,
    batch_size: pow2(windows / 200, 16, 256),
    // Fewer epochs when each epoch already sees many windows.
    epochs: clamp(Math.round(2_000_000 / windows), 20, 200),
    hidden_dim: arch === 'sentinel' ? 128 : hidden,
    bottleneck_dim: Math.max(4, hidden / 2),
    num_layers: f.rows >= 50_000 && width >= 4 ? 2 : 1,
    sequence_length: arch === 'sentinel' ? 1 : f.sequenceLength,
    dropout: f.rows < 5_000 ? 0.2 : 0.1,
    optimizer: arch === 'gru_predictor' ? 'adamw' : 'adam',
    loss: arch === 'lstm_autoencoder' ? 'mse' : 'bce',
  };
}

function interval(f: DataFacts): string {
  if (!f.intervalMs) return 'no timestamps';
  const s = f.intervalMs / 1000;
  return s < 120 ? `${round2(s)} s sampling` : `${round2(s / 60)} min sampling`;
}

function scoring(base: number, first: string) {
  let score = base;
  const reasons = [first];
  return {
    add(delta: number, reason: string): void {
      score += delta;
      reasons.push(reason);
    },
    result: () => ({ score, reasons }),
  };
}

function scoreAutoencoder(f: DataFacts): { score: number; reasons: string[] } {
  const acc = scoring(0.55, `${f.rows} rows, ${f.sensors.length} sensor columns, ${interval(f)}`);
  const add = acc.add;
  const windows = f.rows / f.sequenceLength;
  if (windows >= 200) add(0.2, `${Math.floor(windows)} windows of ${f.sequenceLength} steps: enough normal behaviour to learn`);
  else add(-0.15, `only ${Math.floor(windows)} windows of ${f.sequenceLength} steps: little to learn normal behaviour from`);
  if (!f.label) add(0.15, 'no label column: unsupervised anomaly detection fits');
  else add(0, `label '${f.label.column}' present: train on unfaulted rows, check scores against the label`);
  if (f.sensors.length >= 3) add(0.05, 'several correlated sensors: reconstruction error captures broken relationships');
  if (!f.intervalMs) add(-0.1, 'no timestamps: sequences follow file order');
  return acc.result();
}

function scoreSupervised(f: DataFacts, arch: 'gru_predictor' | 'sentinel'): { score: number; reasons: string[] } {
  if (!f.label) return { score: 0.1, reasons: ['needs a 0/1 label column (e.g. fault, label, Fault Detection Ground Truth); none found'] };
  const share = f.label.positiveShare;
  const acc = scoring(arch === 'gru_predictor' ? 0.6 : 0.55, `label '${f.label.column}': ${round2(share * 100)}% of rows faulted`);
  const add = acc.add;
  if (share > 0.02 && share < 0.6) add(0.2, 'both classes well represented');
  else add(-0.2, 'one class is rare: supervised training will struggle');
  if (arch === 'gru_predictor') {
    if (f.rows >= 10_000 && f.intervalMs) add(0.1, `${f.rows} time-ordered rows: enough history to predict faults ahead`);
    else add(-0.1, 'short or untimed history limits fault prediction ahead');
  } else {
    if (f.rows < 10_000) add(0.1, `${f.rows} rows: a small MLP generalises better than a recurrent model`);
    if (f.sensors.length <= 32) add(0.05, `${f.sensors.length} inputs: cheap to run on any controller`);
  }
  return acc.result();
}

const TEXT: Record<Architecture, Pick<Recommendation, 'use_case' | 'description' | 'outputs' | 'inference_result'>> = {
  lstm_autoencoder: {
    use_case: 'Anomaly Detection',
    description: 'Learns normal patterns of the sensors together and flags windows it cannot reconstruct',
    outputs: 'Reconstruction error score (0.0-1.0)',
    inference_result: 'Real-time anomaly alerts when score exceeds threshold',
  },
  gru_predictor: {
    use_case: 'Fault Prediction',
    description: 'Reads recent sensor history and predicts the chance of a labelled fault ahead',
    outputs: 'Fault probabilities within 5, 15 and 30 minutes',
    inference_result: 'Early warning before a fault develops',
  },
  sentinel: {
    use_case: 'Health Scoring',
    description: 'A small classifier scoring each reading against the labelled faults',
    outputs: 'Health score (0.0-1.0) per reading',
    inference_result: 'A live health gauge per unit, alarm under a set score',
  },
};

/** Ranked recommendations (best first) with the reasons behind each score. */
export function recommend(ds: RecommendInput): Recommendation[] {
  const f = dataFacts(ds);
  const scored: [Architecture, { score: number; reasons: string[] }][] = [
    ['lstm_autoencoder', scoreAutoencoder(f)],
    ['gru_predictor', scoreSupervised(f, 'gru_predictor')],
    ['sentinel', scoreSupervised(f, 'sentinel')],
  ];
  return scored
    .map(([architecture, { score, reasons }]) => {
      const hp = sizedHyperparameters(f, architecture);
      return {
        architecture, match_score: round2(clamp(score, 0, 1)), ...TEXT[architecture],
        inputs: architecture === 'sentinel' ? `${f.sensors.length} sensor columns, one reading at a time`
          : `${f.sensors.length} sensor columns, ${hp.sequence_length}-step sequences`,
        hyperparameters: hp, reasons,
      };
    })
    .sort((a, b) => b.match_score - a.match_score);
}
