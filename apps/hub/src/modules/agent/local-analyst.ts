import type { DatasetDetail, DatasetSummary, Recommendation, TrainingPlan } from '@prometheus/protocol';
import type { DataFacts } from './analysis.js';

// The analyst that answers when no language model is configured: plain statements built from the
// dataset's real statistics and the recommendation engine, and a plain word that no model is behind it.
export const NO_MODEL_NOTICE = 'No language model is configured on this hub (set AGENT_API_URL and AGENT_MODEL to use one), '
  + "so this answer comes from Prometheus' built-in analyst, working only from the dataset's statistics.";

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4).replace(/\.?0+$/, ''));
const readings = (n: number): string => `${n} reading${n === 1 ? '' : 's'}`;
const pct = (share: number): string => `${(share * 100).toFixed(share < 0.001 && share > 0 ? 3 : 1)}%`;

function describeTime(facts: DataFacts, detail: DatasetDetail): string {
  if (!detail.time_range) return 'no timestamp column (rows are taken in file order)';
  const interval = facts.intervalMs ? `, one reading every ${facts.intervalMs >= 60_000 ? `${fmt(facts.intervalMs / 60_000)} min` : `${fmt(facts.intervalMs / 1000)} s`}` : '';
  return `from ${detail.time_range.start} to ${detail.time_range.end}${interval}`;
}

function sensorLines(detail: DatasetDetail, facts: DataFacts): string[] {
  return facts.columns.map((c) => {
    const s = detail.column_stats[c.column];
    const figures = s ? `mean ${fmt(s.mean)}, min ${fmt(s.min)}, max ${fmt(s.max)}, std ${fmt(s.std)}` : 'no numeric values';
    const extra = [c.missing > 0 ? `${c.missing} missing (${pct(c.missingShare)})` : '', c.anomalies > 0 ? `${readings(c.anomalies)} beyond 4 std` : '']
      .filter((x) => x !== '');
    return `- ${c.column}: ${figures}${extra.length ? `; ${extra.join('; ')}` : ''}`;
  });
}

function qualityLine(facts: DataFacts): string {
  const a = facts.analysis;
  const worst = [...facts.columns].sort((x, y) => y.missingShare - x.missingShare)[0];
  const why = worst && worst.missing > 0 ? `the least complete column, ${worst.column}, misses ${pct(worst.missingShare)}` : 'no sensor column has missing values';
  const cycle = facts.spanMs === null || facts.spanMs < 2 * 86_400_000
    ? 'too short to test for a daily cycle (needs two days)'
    : a.seasonality ? 'a daily cycle is present (one-day autocorrelation of 0.5 or more)' : 'no daily cycle found';
  return `Data quality: ${a.data_quality} (${why}). Anomalies: ${readings(a.anomalies_detected)} more than 4 standard deviations from their column mean. Seasonality: ${cycle}.`;
}

function recommendationLines(recs: Recommendation[]): string[] {
  const [best, ...rest] = recs;
  if (!best) return [];
  const hp = best.hyperparameters;
  return [
    `Recommended architecture: ${best.architecture} (${best.use_case}), match score ${best.match_score}. Why: ${best.reasons.join('; ')}.`,
    `Suggested hyperparameters: sequence_length ${hp.sequence_length}, hidden_dim ${hp.hidden_dim}, num_layers ${hp.num_layers}, epochs ${hp.epochs}, batch_size ${hp.batch_size}, learning_rate ${hp.learning_rate}, dropout ${hp.dropout}, loss ${hp.loss}.`,
    ...rest.map((r) => `Also considered: ${r.architecture} at ${r.match_score} (${r.reasons.join('; ')}).`),
  ];
}

/** A full answer about one dataset. */
export function describeDataset(detail: DatasetDetail, facts: DataFacts, recs: Recommendation[], plan: TrainingPlan | null): string {
  const sensors = facts.columns.map((c) => c.column);
  return [
    NO_MODEL_NOTICE,
    '',
    `Dataset "${detail.name}" (${detail.id}, ${detail.equipment_type}): ${detail.row_count} rows and ${detail.columns.length} columns `
      + `(${detail.columns.join(', ')}), ${describeTime(facts, detail)}. ${sensors.length} numeric sensor columns:`,
    ...sensorLines(detail, facts),
    qualityLine(facts),
    ...recommendationLines(recs),
    ...(plan ? [`Training plan drafted: ${plan.architecture} on ${plan.dataset_id} with the hyperparameters above; start it with POST /api/v1/training/start.`] : []),
  ].join('\n');
}

/** When the question names no dataset the analyst can pick. */
export function askWhichDataset(datasets: DatasetSummary[]): string {
  if (datasets.length === 0) {
    return `${NO_MODEL_NOTICE}\n\nYou have no datasets yet. Upload a CSV (POST /api/v1/datasets) or connect a source (POST /api/v1/datasets/connect), then ask about it by name or id.`;
  }
  const list = datasets.slice(0, 20).map((d) => `- ${d.name} (${d.id}): ${d.row_count} rows, columns ${d.columns.join(', ')}`);
  return [NO_MODEL_NOTICE, '', 'Which dataset do you mean? Name it or give its id. Yours:', ...list].join('\n');
}

/** Whether the question is about training (so a plan is drafted), not only about the data. */
export function wantsPlan(message: string): boolean {
  return /\b(plan|train|training|architecture|model|recommend|which|should)\b/i.test(message);
}
