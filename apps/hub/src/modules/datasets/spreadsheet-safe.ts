import { lit } from './engine.js';

// CSV injection (OWASP "CSV Injection"): a spreadsheet opening an exported CSV runs a cell that starts with
// `=`, `+`, `-`, `@`, tab or carriage return as a formula. Cells and headers come from uploads, external
// sources and devices (sensor names), so every export prefixes such text with a single quote, which the
// spreadsheet shows as text. Numbers stay numbers: `-3.2` or `+5` is data, not a formula.
const FORMULA_START = '^[=+@\\t\\r-]';
const NUMBER = '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$';
const formulaStart = new RegExp(FORMULA_START);
const number = new RegExp(NUMBER);

/** The text a spreadsheet reads as text: formula-like text gets a leading `'`, numbers and the rest are unchanged. */
export function spreadsheetSafe(text: string): string {
  return formulaStart.test(text) && !number.test(text) ? `'${text}` : text;
}

/** The same rule as a DuckDB expression over a VARCHAR expression (RE2 reads the same patterns). */
export function spreadsheetSafeSql(expr: string): string {
  return `CASE WHEN regexp_matches(${expr}, ${lit(FORMULA_START)}) AND NOT regexp_matches(${expr}, ${lit(NUMBER)}) `
    + `THEN '''' || ${expr} ELSE ${expr} END`;
}
