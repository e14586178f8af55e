// Missing cells: a sensor holds its last reading (forward fill); before its first reading the column's
// mean over the training rows stands in. The same rule runs at scoring time and at the edge.

export interface MissingValueCount {
  column: string;
  missing: number;
  forward_filled: number;
  mean_filled: number;
}

/** Mean of the finite values among the first `rows` rows of each column (0 for a column with none). */
export function finiteMeans(values: readonly Float64Array[], rows: number): number[] {
  return values.map((col) => {
    let sum = 0;
    let n = 0;
    const end = Math.min(rows, col.length);
    for (let i = 0; i < end; i++) {
      const v = col[i] as number;
      if (Number.isFinite(v)) {
        sum += v;
        n += 1;
      }
    }
    return n > 0 ? sum / n : 0;
  });
}

/** Forward-fills every column, then fills leading gaps with `fallback[column]`; counts what it did. */
export function fillMissing(columns: readonly string[], values: readonly Float64Array[], fallback: ArrayLike<number>): { filled: Float64Array[]; counts: MissingValueCount[] } {
  const counts: MissingValueCount[] = [];
  const filled = values.map((col, c) => {
    const out = new Float64Array(col.length);
    const count: MissingValueCount = { column: columns[c] as string, missing: 0, forward_filled: 0, mean_filled: 0 };
    let last = Number.NaN;
    for (let i = 0; i < col.length; i++) {
      const v = col[i] as number;
      if (Number.isFinite(v)) {
        last = v;
        out[i] = v;
        continue;
      }
      count.missing += 1;
      if (Number.isFinite(last)) {
        out[i] = last;
        count.forward_filled += 1;
      } else {
        out[i] = fallback[c] as number;
        count.mean_filled += 1;
      }
    }
    counts.push(count);
    return out;
  });
  return { filled, counts };
}
