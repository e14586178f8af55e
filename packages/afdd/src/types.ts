// The shapes a diagnosis and a live monitor hand out: shared by the hub's diagnose API and the edge's alerts.
import type { AfddInput } from './inputs.js';
import type { AfddSettings } from './settings.js';
import type { StandingFinding } from './standing.js';

/** What a fault points at, ranked from the evidence rather than the Guideline's broad cause lists. */
export const FAMILIES = ['oa_damper', 'cooling_valve', 'heating_valve', 'fan_pressure', 'sensor', 'control', 'unknown'] as const;
export type Family = (typeof FAMILIES)[number];

/** Guideline 36 air-handler operating states (fan proven on). */
export type OperatingState = 'OS1' | 'OS2' | 'OS3' | 'OS4' | 'OS5';

/** A time series of AFDD inputs in canonical units (temperatures F, commands 0-1, pressure in. w.c.). */
export interface AfddSeries {
  /** Epoch milliseconds, ascending. */
  timestamps: ArrayLike<number>;
  /** NaN marks a missing reading. */
  inputs: Partial<Record<AfddInput, Float64Array>>;
}

export interface Episode {
  fault_condition: string;
  family: Family;
  /** ISO UTC: where the condition began holding. */
  start: string;
  /** ISO UTC: the first reading where it no longer held (or the last reading of the data). */
  end: string;
  minutes: number;
  operating_state: OperatingState;
  /** Plain sentences; the first says why this family. */
  evidence: string[];
  /**
   * Rules' episodes: the mean excess of the rule's equation beyond its threshold over the episode, in the rule's unit
   * (F for temperatures); what a standing finding is judged by (standing.ts).
   */
  deviation?: number;
  /** Model episodes (fault_condition "model"): the features carrying most of the error, and the peak score. */
  top_features?: { feature: string; share: number }[];
  peak_score?: number;
}

export interface DiagnosisDay {
  /** YYYY-MM-DD in the data's own calendar. */
  date: string;
  minutes: number;
  fault_conditions: string[];
  family: Family | null;
}

export interface SkippedRule {
  fault_condition: string;
  reason: string;
}

export interface MinOa {
  fraction: number | null;
  source: 'configured' | 'estimated' | 'unavailable';
}

export interface Diagnosis {
  /** Fault episodes: standing findings' episodes are not among them. */
  episodes: Episode[];
  days: DiagnosisDay[];
  /** Conditions present on the reference days, for every episode no larger than there (empty without reference days). */
  standing: StandingFinding[];
  /** The reference days used, or null. */
  reference_days: string[] | null;
  skipped_rules: SkippedRule[];
  min_oa: MinOa;
  settings: AfddSettings;
}

export interface ActiveFault {
  fault_condition: string;
  family: Family;
  operating_state: OperatingState;
  /** ISO UTC: where the condition began holding. */
  since: string;
  evidence: string[];
}
