import { MAX_LISTED_ALARMS, type AlarmEpisode } from '@prometheus/protocol';

// Alarms of an evaluation: consecutive windows scoring above the threshold merged into one episode, each
// with the features that carry most of its reconstruction error (what a facility engineer looks at first).
// `rules` is empty here: the diagnoses module fills it afterwards from the dataset's point map (evaluations-service.ts).
export interface AlarmInput {
  /** Per window, in time order: the evaluation's score (after smoothing) and its last row's epoch ms. */
  scores: ArrayLike<number>;
  ends: ArrayLike<number>;
  /** Window indices that begin a new recording: an episode never spans two. */
  segmentStarts: ReadonlySet<number>;
  threshold: number;
  /** Autoencoder: per window, each feature's mean squared error ([windows, F]); null for probability models. */
  featureErrors: ArrayLike<number> | null;
  features: readonly string[];
}

export interface Alarms {
  alarms: AlarmEpisode[];
  /** Episodes in all, before the list was capped. */
  total: number;
}

const TOP_FEATURES = 3;

function topFeatures(input: AlarmInput, from: number, to: number): AlarmEpisode['top_features'] {
  const errors = input.featureErrors;
  if (!errors) return null;
  const F = input.features.length;
  const sums = new Float64Array(F);
  for (let w = from; w < to; w++) for (let f = 0; f < F; f++) sums[f] = (sums[f] as number) + (errors[w * F + f] as number);
  const total = sums.reduce((a, x) => a + x, 0);
  if (!(total > 0)) return [];
  return Array.from(sums, (s, f) => ({ feature: input.features[f] as string, share: s / total }))
    .sort((a, b) => b.share - a.share)
    .slice(0, TOP_FEATURES);
}

function episode(input: AlarmInput, from: number, to: number): AlarmEpisode {
  let peak = Number.NEGATIVE_INFINITY;
  for (let w = from; w < to; w++) peak = Math.max(peak, input.scores[w] as number);
  return {
    start: new Date(input.ends[from] as number).toISOString(), end: new Date(input.ends[to - 1] as number).toISOString(),
    windows: to - from, peak_score: peak, top_features: topFeatures(input, from, to), rules: [],
  };
}

/** Alarm episodes in time order; when there are more than `cap`, the ones with the highest peaks. */
export function alarmEpisodes(input: AlarmInput, cap: number = MAX_LISTED_ALARMS): Alarms {
  const found: AlarmEpisode[] = [];
  let open = -1;
  const n = input.scores.length;
  for (let w = 0; w <= n; w++) {
    const above = w < n && (input.scores[w] as number) > input.threshold;
    const breaks = w === n || !above || input.segmentStarts.has(w);
    if (open >= 0 && breaks) {
      found.push(episode(input, open, w));
      open = -1;
    }
    if (above && open < 0) open = w;
  }
  const listed = found.length <= cap ? found : [...found].sort((a, b) => b.peak_score - a.peak_score).slice(0, cap).sort((a, b) => a.start.localeCompare(b.start));
  return { alarms: listed, total: found.length };
}
