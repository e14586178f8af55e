// The README's linear baseline, re-implemented so it is scored on exactly the same windows:
// PCA on z-scored training rows keeping 95% of the variance, per-row squared reconstruction
// error of the residual, 60-minute trailing mean.

function jacobiEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p]![q]!) < 1e-30) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]!), vectors: v };
}

export interface PcaModel {
  means: number[];
  stds: number[];
  components: number[][];
}

/** Fits on rows (row-major arrays of features), keeping components up to `variance` of the total. */
export function fitPca(rows: number[][], variance = 0.95): PcaModel {
  const f = rows[0]!.length;
  const means = Array.from({ length: f }, (_, c) => rows.reduce((s, r) => s + r[c]!, 0) / rows.length);
  const stds = Array.from({ length: f }, (_, c) => Math.sqrt(rows.reduce((s, r) => s + (r[c]! - means[c]!) ** 2, 0) / (rows.length - 1)) || 1);
  const z = rows.map((r) => r.map((x, c) => (x - means[c]!) / stds[c]!));
  const cov = Array.from({ length: f }, (_, i) => Array.from({ length: f }, (_, j) => z.reduce((s, r) => s + r[i]! * r[j]!, 0) / (z.length - 1)));
  const { values, vectors } = jacobiEigen(cov);
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const total = values.reduce((s, x) => s + Math.max(x, 0), 0);
  const components: number[][] = [];
  let kept = 0;
  for (const i of order) {
    if (kept >= variance * total) break;
    components.push(vectors.map((row) => row[i]!));
    kept += Math.max(values[i]!, 0);
  }
  return { means, stds, components };
}

/** Per-row squared norm of the part of the z-scored row the components do not explain. */
export function pcaErrors(model: PcaModel, rows: number[][]): Float64Array {
  return Float64Array.from(rows, (r) => {
    const z = r.map((x, c) => (x - model.means[c]!) / model.stds[c]!);
    const proj = z.map(() => 0);
    for (const comp of model.components) {
      const dot = comp.reduce((s, w, c) => s + w * z[c]!, 0);
      comp.forEach((w, c) => (proj[c] = proj[c]! + dot * w));
    }
    return z.reduce((s, x, c) => s + (x - proj[c]!) ** 2, 0);
  });
}
