import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// The LBNL SZVAV air-handler file (test/fixtures/lbnl, README there), split by whole days in time order for an
// honest evaluation: train on the first normal days, score other days; no day is ever split.
export const SZVAV_CSV = fileURLToPath(new URL('../../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url));

export interface SzvavDays {
  header: string;
  /** `M/D/YYYY` -> the day's lines, in file (time) order. */
  days: Map<string, string[]>;
  /** Days whose `Fault Detection Ground Truth` is 1. */
  faulty: Set<string>;
}

export function readSzvavDays(file = SZVAV_CSV): SzvavDays {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const days = new Map<string, string[]>();
  const faulty = new Set<string>();
  for (const line of lines) {
    const day = line.slice(0, line.indexOf(' '));
    const list = days.get(day) ?? [];
    list.push(line);
    days.set(day, list);
    if (line.trimEnd().endsWith(',1')) faulty.add(day);
  }
  return { header: header as string, days, faulty };
}

/** A CSV of the given days (whole days, in the file's order). */
export function daysCsv(data: SzvavDays, days: string[]): string {
  const keep = [...data.days.keys()].filter((d) => days.includes(d));
  return `${[data.header, ...keep.flatMap((d) => data.days.get(d) as string[])].join('\n')}\n`;
}
