import { fitPca } from '../baseline/pca.js';

// The autoencoder's linear path. An air handler's physics (mixing, coil energy balance, set-point tracking) is
// close to linear, which is what the PCA baseline captures and what extrapolates to weather the training days
// never had; an LSTM fitted on two or three days learns a nonlinear manifold that does not. So the model
// reconstructs a window as  linear(x) + correction(residual):  the linear part is PCA fitted on the model's own
// standardised training rows (95% of the variance, the baseline's rule) and frozen; the LSTM encoder-decoder sees
// only what PCA leaves (the residual sequence) and its correction is penalised in training (correction_penalty),
// so it can explain recurring normal structure PCA misses but cannot absorb an unseen deviation.

/** Frozen linear stage in the model's z-space: residual(x) = (x - offset) @ residual; linear(x) = x - residual(x). */
export interface LinearStage {
  /** Layout version of this object (1). */
  version: 1;
  /** Principal components kept (the 95% rule) out of the features. */
  components: number;
  /** Share of the training rows' variance the kept components explain. */
  explained: number;
  /** [F] z-space centre. */
  offset: number[];
  /** [F * F] row-major: D^-1 (I - V V^T) D, with D the PCA's own scaling of the z-scored rows. */
  residual: number[];
}

/** Variance share the linear stage keeps: the PCA baseline's. */
export const LINEAR_STAGE_VARIANCE = 0.95;

/**
 * Fits the linear stage on z-scored rows (row-major [n, F]) at `rows`. PCA standardises again with its sample
 * statistics (~1 on z-scored data); that scaling is folded into the matrix so the stage works on the model's input.
 */
export function fitLinearStage(matrix: ArrayLike<number>, features: number, rows: ArrayLike<number>, variance = LINEAR_STAGE_VARIANCE): LinearStage {
  const F = features;
  const columns = Array.from({ length: F }, (_, c) => {
    const col = new Float64Array(matrix.length / F);
    for (let r = 0; r < col.length; r++) col[r] = matrix[r * F + c] as number;
    return col;
  });
  const pca = fitPca(columns, { variance, rows });
  // Q = I - V V^T in PCA's space; in z-space the residual of (x - m) is ((x - m) / s) Q * s = (x - m) D^-1 Q D.
  const residual = new Array<number>(F * F).fill(0);
  for (let i = 0; i < F; i++) {
    for (let j = 0; j < F; j++) {
      let q = i === j ? 1 : 0;
      if (pca.components.length < F) for (const v of pca.components) q -= (v[i] as number) * (v[j] as number);
      else q = 0;
      residual[i * F + j] = (q * (pca.stds[j] as number)) / (pca.stds[i] as number);
    }
  }
  return { version: 1, components: pca.components.length, explained: pca.explained, offset: pca.means, residual };
}

/** One row's residual after the linear stage (what the LSTM sees), in the model's z-space. */
export function linearResidual(stage: LinearStage, row: ArrayLike<number>): Float64Array {
  const F = stage.offset.length;
  const out = new Float64Array(F);
  for (let i = 0; i < F; i++) {
    const centred = (row[i] as number) - (stage.offset[i] as number);
    for (let j = 0; j < F; j++) out[j] = (out[j] as number) + centred * (stage.residual[i * F + j] as number);
  }
  return out;
}
