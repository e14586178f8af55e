// Rows to windows: z-scored row-major matrices and the start rows of fixed-length windows.

/** Population mean and standard deviation of the first `rows` values; a constant (or empty) column gets std 1 so it maps to 0. */
export function columnStats(col: Float64Array, rows: number): { mean: number; std: number } {
  const n = Math.min(rows, col.length);
  if (n === 0) return { mean: 0, std: 1 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += col[i] as number;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += ((col[i] as number) - mean) ** 2;
  const std = Math.sqrt(sq / n);
  return { mean, std: std > 1e-12 && Number.isFinite(std) ? std : 1 };
}

/** Columns (already filled) to a row-major float32 matrix [rows, F] of z-scores. */
export function normalizeRows(columns: readonly Float64Array[], means: ArrayLike<number>, stds: ArrayLike<number>): Float32Array {
  const F = columns.length;
  const rows = F > 0 ? (columns[0] as Float64Array).length : 0;
  const out = new Float32Array(rows * F);
  for (let f = 0; f < F; f++) {
    const col = columns[f] as Float64Array;
    const mean = means[f] as number;
    const std = stds[f] as number;
    for (let r = 0; r < rows; r++) out[r * F + f] = ((col[r] as number) - mean) / std;
  }
  return out;
}

/**
 * Start rows of windows of `length` rows inside [from, to), every `stride` rows, leaving `lookahead`
 * rows after each window inside the range too (a predictor's targets look ahead).
 */
export function windowStarts(from: number, to: number, length: number, stride: number, lookahead = 0): Int32Array {
  const last = to - length - lookahead;
  if (last < from) return new Int32Array(0);
  const count = Math.floor((last - from) / stride) + 1;
  return Int32Array.from({ length: count }, (_, k) => from + k * stride);
}
