import { INPUT_UNITS, isBrickPointClass, type PointRole } from '@prometheus/afdd';
import { AppError } from '../../errors.js';

/**
 * Checks a point map before anything is stored: columns known (when `columns` is given) and named once, each
 * AFDD input given to one column with a unit it takes, Brick classes real Point classes. A failure is a 400
 * naming every bad field.
 */
export function checkPointMap(points: PointRole[], columns: readonly string[] | null, subject: string): void {
  const known = columns ? new Set(columns) : null;
  const columnAt = new Map<string, number>();
  const inputAt = new Map<string, number>();
  const problems: string[] = [];
  points.forEach((p, i) => {
    const at = `'points.${i}`;
    if (known && !known.has(p.column)) problems.push(`${at}.column' '${p.column}' is not a column of the ${subject}`);
    const sameColumn = columnAt.get(p.column);
    if (sameColumn !== undefined) problems.push(`${at}.column' '${p.column}' is already mapped by points.${sameColumn}`);
    else columnAt.set(p.column, i);
    if (p.brick_class !== null && !isBrickPointClass(p.brick_class)) {
      problems.push(`${at}.brick_class' '${p.brick_class}' is not a Brick point class (e.g. Supply_Air_Temperature_Sensor)`);
    }
    if (p.input !== null && p.unit !== null && !INPUT_UNITS[p.input].includes(p.unit)) {
      // The rules convert by unit (C to F, percent to 0-1): a unit foreign to the input would be converted wrongly.
      problems.push(`${at}.unit' '${p.unit}' does not fit input '${p.input}' (one of ${INPUT_UNITS[p.input].join(', ')}, or null)`);
    }
    if (p.input !== null) {
      const sameInput = inputAt.get(p.input);
      if (sameInput !== undefined) problems.push(`${at}.input' '${p.input}' is already the input of points.${sameInput} ('${points[sameInput]!.column}')`);
      else inputAt.set(p.input, i);
    }
  });
  if (problems.length > 0) {
    throw new AppError('VALIDATION_ERROR', `Invalid request body: ${problems[0]}`, { details: problems.join('; ') });
  }
}
