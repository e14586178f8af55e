import { z } from 'zod';
import { IsoTime } from './common.js';
import { isTimeZone } from './profile.js';

// Diagnoses: the Guideline 36 air-handler rules run over a dataset's mapped columns (the shapes of
// @prometheus/afdd's Diagnosis, which the hub's tests hold equal to these).

export const FaultFamily = z.enum(['oa_damper', 'cooling_valve', 'heating_valve', 'fan_pressure', 'sensor', 'control', 'unknown']);
export type FaultFamily = z.infer<typeof FaultFamily>;

export const DiagnosisEpisode = z.object({
  fault_condition: z.string().describe('FC1..FC15, or "model": windows the request\'s model alarmed on'),
  family: FaultFamily,
  start: IsoTime,
  end: IsoTime.describe('The first reading where the condition no longer held (or the last reading)'),
  minutes: z.number(),
  operating_state: z.enum(['OS1', 'OS2', 'OS3', 'OS4', 'OS5']),
  evidence: z.array(z.string()).describe('Plain sentences; the first says why this family'),
  top_features: z.array(z.object({ feature: z.string(), share: z.number() })).optional()
    .describe('Model episodes: the features carrying most of the reconstruction error, with their share'),
  peak_score: z.number().optional().describe('Model episodes: the highest score (after the model\'s persistence)'),
  deviation: z.number().optional()
    .describe('Rules\' episodes: the mean excess of the rule\'s equation beyond its threshold over the episode, in the rule\'s unit (F for temperatures); standing findings are judged by it'),
});
export type DiagnosisEpisode = z.infer<typeof DiagnosisEpisode>;

export const DiagnosisDay = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD in the data\'s own calendar (time_zone)'),
  minutes: z.number(),
  fault_conditions: z.array(z.string()),
  family: FaultFamily.nullable(),
});
export type DiagnosisDay = z.infer<typeof DiagnosisDay>;

export const SkippedRuleView = z.object({ fault_condition: z.string(), reason: z.string() });
export type SkippedRuleView = z.infer<typeof SkippedRuleView>;

export const MinOaView = z.object({
  fraction: z.number().nullable(),
  source: z.enum(['configured', 'estimated', 'unavailable']),
});
export type MinOaView = z.infer<typeof MinOaView>;

export const StandingFinding = z.object({
  fault_condition: z.string(),
  family: FaultFamily,
  evidence: z.array(z.string()).describe('The reference figures first ("Present on reference days: ..."), then the evidence of its first reference episode'),
  reference: z.object({
    days: z.number().int(),
    days_present: z.number().int(),
    max_minutes_per_day: z.number().describe('Information only: duration does not decide what stands'),
    // Absent on diagnoses stored before standing was judged by size (they stood by duration).
    max_deviation: z.number().optional().describe('The largest deviation of its episodes on the reference days'),
    allowance: z.number().optional().describe('One tolerance of the sensor the rule judges: an episode stands while its deviation is at most max_deviation + allowance'),
    unit: z.string().optional().describe('Of max_deviation, allowance and the days\' deviation (F for temperature rules)'),
  }),
  days: z.array(z.object({ date: z.string(), minutes: z.number(), deviation: z.number().optional().describe('The largest deviation of its standing episodes that day') }))
    .describe('Days whose episodes of this condition and family are reported here instead of in episodes'),
});
export type StandingFinding = z.infer<typeof StandingFinding>;

export const DiagnosisReferenceView = z.object({
  dataset_id: z.string(),
  source: z.enum(['request', 'model_training_dataset']),
  days: z.array(z.string()).describe('The reference days (YYYY-MM-DD, the reference dataset\'s calendar)'),
});
export type DiagnosisReferenceView = z.infer<typeof DiagnosisReferenceView>;

export const DiagnosisModelView = z.object({
  model_id: z.string(),
  threshold: z.number(),
  persistence_minutes: z.number(),
  windows: z.number().int().describe('Windows scored'),
  out_of_range_windows: z.number().int().describe('Windows outside the model\'s operating envelope: never an episode'),
  episodes: z.number().int().describe('Model episodes (fault_condition "model")'),
});
export type DiagnosisModelView = z.infer<typeof DiagnosisModelView>;

export const DiagnosisStatus = z.enum(['running', 'completed', 'failed']);
export type DiagnosisStatus = z.infer<typeof DiagnosisStatus>;

export const DiagnosisView = z.object({
  id: z.string(),
  dataset_id: z.string(),
  status: DiagnosisStatus,
  error: z.string().nullable(),
  created_at: IsoTime,
  completed_at: IsoTime.nullable(),
  time_zone: z.string().describe('IANA zone of the days\' calendar'),
  inputs: z.record(z.string(), z.string()).describe('AFDD input -> the dataset column read for it'),
  episodes: z.array(DiagnosisEpisode),
  days: z.array(DiagnosisDay),
  skipped_rules: z.array(SkippedRuleView),
  min_oa: MinOaView.nullable().describe('null until completed'),
  standing: z.array(StandingFinding).describe('Conditions present on the reference days, reported once for every episode no larger than there (empty without reference days)'),
  reference: DiagnosisReferenceView.nullable().describe('The known-normal reference days, or null (none given, or not completed)'),
  model: DiagnosisModelView.nullable().describe('The model the request named, and what its scoring covered; null without one'),
  settings: z.record(z.string(), z.number().nullable()).describe('The rule settings used (defaults with the overrides)'),
});
export type DiagnosisView = z.infer<typeof DiagnosisView>;

export const DiagnosisSummary = DiagnosisView.omit({ episodes: true, days: true, skipped_rules: true, settings: true, standing: true })
  .extend({ episode_count: z.number().int() });
export type DiagnosisSummary = z.infer<typeof DiagnosisSummary>;

const DateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

export const DiagnoseRequest = z.object({
  settings: z.record(z.string(), z.unknown()).optional().describe('Overrides of the rule settings (eps_sat, min_oa_fraction, ...)'),
  time_zone: z.string().trim().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone such as America/Los_Angeles').optional()
    .describe('Calendar of days[].date; default the dataset\'s timezone, else UTC'),
  model_id: z.string().min(1).optional().describe('A trained model: windows it alarms on (its threshold and persistence, inside its operating envelope) become episodes with fault_condition "model"'),
  reference: z.object({
    dataset_id: z.string().min(1).optional().describe('Default: the diagnosed dataset'),
    from: DateOnly.optional().describe('First reference day (YYYY-MM-DD, inclusive); default the reference dataset\'s first day'),
    to: DateOnly.optional().describe('Last reference day (inclusive); default its last day'),
  }).strict().optional()
    .describe('Known-normal reference days: episodes of conditions present there and no larger than there are reported once in standing. Default with model_id: the model\'s training dataset'),
}).strict();
export type DiagnoseRequest = z.infer<typeof DiagnoseRequest>;

export const DiagnoseAccepted = z.object({ id: z.string() });
export type DiagnoseAccepted = z.infer<typeof DiagnoseAccepted>;

export const DiagnosisSeriesQuery = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').describe('A day of the diagnosis\'s calendar (days[].date)'),
}).strict();
export type DiagnosisSeriesQuery = z.infer<typeof DiagnosisSeriesQuery>;

/** The inputs a diagnosis read, over one of its days, as the rules saw them (canonical units). */
export const DiagnosisDaySeries = z.object({
  date: z.string(),
  time_zone: z.string(),
  t: z.array(z.number()).describe('Epoch ms of each reading of the day (thinned to at most 2880 on dense data)'),
  series: z.array(z.object({
    input: z.string(),
    column: z.string(),
    unit: z.string().describe('The rules\' unit: F, fraction (0-1), inH2O, binary or cfm'),
    values: z.array(z.number().nullable()),
  })),
});
export type DiagnosisDaySeries = z.infer<typeof DiagnosisDaySeries>;
