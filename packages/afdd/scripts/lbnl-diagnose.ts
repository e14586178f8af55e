// The Guideline 36 rules over one LBNL file, per day: the labels beside what fired.
//   node --import tsx packages/afdd/scripts/lbnl-diagnose.ts test/fixtures/lbnl/SZVAV.csv [--episodes]
// Default settings (the Guideline's tolerances; minimum outdoor air estimated from the data).
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnoseSeries, DEFAULT_AFDD_SETTINGS, type Diagnosis } from '../src/index.js';
import { loadLbnl, parseLbnlTimestamp } from './lbnl.js';

export interface LbnlDayRow {
  date: string;
  /** Share of the day's rows the CSV labels 1 (`Fault Detection Ground Truth`). */
  label: number;
  /** The faults file's entry for that day, or '' . */
  fault: string;
  conditions: string[];
  minutes: number;
  family: string | null;
  /** A reference day (the days the ml protocol trains on; packages/ml/README.md, apps/hub/scripts/lbnl-run.ts). */
  reference: boolean;
  /** With the reference days as a commissioning baseline: what is left as faults, and what stands. */
  withReference: { conditions: string[]; minutes: number; family: string | null; standing: string[] };
}

/** Each file's known-normal reference days: the days a model of this unit trains on in the ml protocol (fixed there). */
export const REFERENCE_DAYS: Record<string, string[]> = {
  SZVAV: ['2017-09-20', '2017-09-21'],
  'MZVAV-2-1': ['2008-08-19', '2008-08-25', '2008-09-04'],
};

/** `<file>-faults.csv` beside the data: date -> "type (intensity)". */
export function faultList(csvPath: string): Map<string, string> {
  const path = csvPath.replace(/\.csv$/, '-faults.csv');
  const faults = new Map<string, string>();
  if (!existsSync(path)) return faults;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/).slice(1)) {
    const [type, intensity, date] = line.split(',').map((s) => s.trim());
    if (!type || !date) continue;
    const day = new Date(parseLbnlTimestamp(`${date} 0:00`)).toISOString().slice(0, 10);
    faults.set(day, `${type} (${intensity})`);
  }
  return faults;
}

export function lbnlDays(csvPath: string): { rows: LbnlDayRow[]; diagnosis: Diagnosis; withReference: Diagnosis } {
  const table = loadLbnl(csvPath);
  const diagnosis = diagnoseSeries(table.series, DEFAULT_AFDD_SETTINGS);
  const referenceDays = REFERENCE_DAYS[basename(csvPath, '.csv')] ?? [];
  const withReference = diagnoseSeries(table.series, DEFAULT_AFDD_SETTINGS, { reference: { dates: referenceDays } });
  const faults = faultList(csvPath);
  const labels = new Map<string, { ones: number; n: number }>();
  table.days.forEach((day, i) => {
    const l = labels.get(day) ?? { ones: 0, n: 0 };
    l.ones += table.truth[i] === 1 ? 1 : 0;
    l.n++;
    labels.set(day, l);
  });
  const rows = diagnosis.days.map((d, i) => {
    const l = labels.get(d.date);
    const r = withReference.days[i] as Diagnosis['days'][number];
    const standing = withReference.standing.flatMap((f) => f.days.filter((x) => x.date === d.date)
      .map((x) => `${f.fault_condition} ${f.family} (${Math.round(x.minutes)} min, ${x.deviation.toFixed(2)} <= ${f.reference.max_deviation.toFixed(2)} + ${f.reference.allowance} ${f.reference.unit})`));
    return {
      date: d.date, label: l ? l.ones / l.n : Number.NaN, fault: faults.get(d.date) ?? '', conditions: d.fault_conditions, minutes: d.minutes, family: d.family,
      reference: referenceDays.includes(d.date),
      withReference: { conditions: r.fault_conditions, minutes: r.minutes, family: r.family, standing },
    };
  });
  return { rows, diagnosis, withReference };
}

function main(): void {
  const path = process.argv[2];
  if (!path) throw new Error('usage: lbnl-diagnose.ts <csv> [--episodes]');
  const { rows, diagnosis, withReference } = lbnlDays(path);
  console.log(`min OA: ${diagnosis.min_oa.fraction} (${diagnosis.min_oa.source}); skipped: ${diagnosis.skipped_rules.map((s) => `${s.fault_condition} (${s.reason})`).join('; ') || 'none'}`);
  console.log('| day | label | fault (faults file) | conditions fired | fault minutes | family | with reference days: fault minutes | family | standing |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const f of withReference.standing) console.log(`standing: ${f.fault_condition} ${f.family}: reference ${f.reference.days_present} of ${f.reference.days} days, at most ${f.reference.max_minutes_per_day} min a day, deviation up to ${f.reference.max_deviation} ${f.reference.unit} (+ ${f.reference.allowance})`);
  for (const r of rows) {
    const w = r.withReference;
    console.log(`| ${r.date}${r.reference ? ' (reference)' : ''} | ${r.label.toFixed(2).replace(/\.00$/, '')} | ${r.fault || '-'} | ${r.conditions.join(', ') || '-'} | ${Math.round(r.minutes)} | ${r.family ?? '-'} | ${Math.round(w.minutes)} | ${w.family ?? '-'} | ${w.standing.join(', ') || '-'} |`);
  }
  if (process.argv.includes('--episodes')) {
    for (const e of diagnosis.episodes) console.log(`${e.start} ${e.end} ${e.fault_condition} ${e.operating_state} ${e.minutes}min ${e.family} deviation ${e.deviation}: ${e.evidence[0]}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
