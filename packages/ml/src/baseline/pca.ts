import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

// Principal component analysis of z-scored rows, the linear baseline every model is measured against:
// a row's score is the squared norm of what the kept components do not explain. Data comes as columns
// (one array per feature, gaps already filled), the way tables are held everywhere in this package.

export interface PcaModel {
  /** Mean and sample standard deviation of each feature over the fitted rows (a constant feature gets 1). */
  means: number[];
  stds: number[];
  /** Unit-length principal directions in z-space, largest variance first. */
  components: number[][];
  /** Share of the total variance the kept components explain (1 when the data has none). */
  explained: number;
}

export interface PcaOptions {
  /** Keep components until they explain at least this share of the variance (default 0.95). */
  variance?: number;
  /** Rows to fit on (indices, ascending or not); default every row. */
  rows?: ArrayLike<number>;
}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function statsOf(columns: readonly ArrayLike<number>[], rows: ArrayLike<number>): { means: number[]; stds: number[] } {
  const n = rows.length;
  const means = columns.map((col) => {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += col[rows[k] as number] as number;
    return sum / n;
  });
  const stds = columns.map((col, c) => {
    let sq = 0;
    for (let k = 0; k < n; k++) sq += ((col[rows[k] as number] as number) - (means[c] as number)) ** 2;
    const std = Math.sqrt(sq / (n - 1));
    return std > 1e-12 && Number.isFinite(std) ? std : 1;
  });
  return { means, stds };
}

/** Covariance of the z-scored rows (the correlation matrix, with constant features at 0). */
function zCovariance(columns: readonly ArrayLike<number>[], rows: ArrayLike<number>, means: number[], stds: number[]): number[][] {
  const F = columns.length;
  const cov = new Float64Array(F * F);
  const z = new Float64Array(F);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    for (let c = 0; c < F; c++) z[c] = (((columns[c] as ArrayLike<number>)[r] as number) - (means[c] as number)) / (stds[c] as number);
    for (let i = 0; i < F; i++) {
      const zi = z[i] as number;
      for (let j = i; j < F; j++) cov[i * F + j] = (cov[i * F + j] as number) + zi * (z[j] as number);
    }
  }
  const scale = 1 / (rows.length - 1);
  return Array.from({ length: F }, (_, i) => Array.from({ length: F }, (_, j) => (cov[Math.min(i, j) * F + Math.max(i, j)] as number) * scale));
}

/** Fits the components on z-scored rows, keeping the fewest that explain `variance` of the total. */
export function fitPca(columns: readonly ArrayLike<number>[], options: PcaOptions = {}): PcaModel {
  const variance = options.variance ?? 0.95;
  const F = columns.length;
  const rows = options.rows ?? allRows(F > 0 ? (columns[0] as ArrayLike<number>).length : 0);
  if (F === 0) throw new Error('PCA needs at least one feature');
  if (rows.length < 2) throw new Error(`PCA needs at least two rows to fit on, got ${rows.length}`);
  const { means, stds } = statsOf(columns, rows);
  const evd = new EigenvalueDecomposition(new Matrix(zCovariance(columns, rows, means, stds)), { assumeSymmetric: true });
  const values = evd.realEigenvalues.map((v) => Math.max(v, 0));
  const vectors = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => (values[b] as number) - (values[a] as number));
  const total = values.reduce((s, v) => s + v, 0);
  const components: number[][] = [];
  let kept = 0;
  for (const i of order) {
    if (kept >= variance * total) break;
    components.push(vectors.getColumn(i));
    kept += values[i] as number;
  }
  return { means, stds, components, explained: total > 0 ? kept / total : 1 };
}

/** Per row: squared norm of the z-scored row's residual after projection onto the components. */
export function pcaErrors(model: PcaModel, columns: readonly ArrayLike<number>[]): Float64Array {
  const F = model.means.length;
  if (columns.length !== F) throw new Error(`the PCA was fitted on ${F} features, got ${columns.length}`);
  const n = F > 0 ? (columns[0] as ArrayLike<number>).length : 0;
  const out = new Float64Array(n);
  // A full basis reconstructs every row exactly: the residual is zero, not the rounding noise that would rank rows.
  if (model.components.length >= F) return out;
  const z = new Float64Array(F);
  const residual = new Float64Array(F);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < F; c++) z[c] = (((columns[c] as ArrayLike<number>)[r] as number) - (model.means[c] as number)) / (model.stds[c] as number);
    residual.set(z);
    for (const comp of model.components) {
      let dot = 0;
      for (let c = 0; c < F; c++) dot += (comp[c] as number) * (z[c] as number);
      for (let c = 0; c < F; c++) residual[c] = (residual[c] as number) - dot * (comp[c] as number);
    }
    let sq = 0;
    for (let c = 0; c < F; c++) sq += (residual[c] as number) ** 2;
    out[r] = sq;
  }
  return out;
}
