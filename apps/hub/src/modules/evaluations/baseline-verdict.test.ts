import type { GradientReview } from '@prometheus/protocol';
import { describe, expect, it } from 'vitest';
import { withBaselineVerdict, type BaselineContext } from './baseline-verdict.js';

const glowing: GradientReview = {
  verdict: 'ready', summary: 'Strong ranking, stable folds.',
  findings: [{ metric: 'auc_roc_fold_mean', severity: 'info', message: 'Mean ROC AUC 0.910.' }], recommendations: [],
};
const ctx = (c: Partial<BaselineContext>): BaselineContext => ({ auc: 0.91, baselineAuc: 0.95, hasBaseline: true, beatsBaseline: false, ...c });

// Whatever a reviewer concluded, a model that loses to the PCA baseline is not ready, and one that was not
// compared with it is never "ready".
describe('the baseline caps the verdict', () => {
  it('calls a model that loses to the baseline not ready, saying so plainly with both figures', () => {
    const r = withBaselineVerdict(glowing, ctx({}));
    expect(r.verdict).toBe('not_ready');
    expect(r.findings[0]).toEqual({
      metric: 'baseline_auc_roc', severity: 'critical',
      message: 'The model loses to the linear baseline: ROC AUC 0.910 against 0.950 for a PCA reconstruction fitted on the same training rows and scored on the same windows.',
    });
    expect(r.findings.slice(1)).toEqual(glowing.findings);
    expect(r.recommendations[0]).toContain('Do not deploy it');
  });

  it('keeps a ready verdict for a model that beats the baseline, and never calls an uncompared one ready', () => {
    const beats = withBaselineVerdict(glowing, ctx({ auc: 0.97, beatsBaseline: true }));
    expect(beats.verdict).toBe('ready');
    expect(beats.findings[0]).toMatchObject({ severity: 'info', message: expect.stringContaining('beats the linear baseline: ROC AUC 0.970 against 0.950') });
    const unlabelled = withBaselineVerdict(glowing, ctx({ auc: null, baselineAuc: null, beatsBaseline: null }));
    expect(unlabelled.verdict).toBe('needs_attention');
    expect(unlabelled.findings[0]!.message).toContain('no fault labels');
    const old = withBaselineVerdict(glowing, ctx({ baselineAuc: null, hasBaseline: false, beatsBaseline: null }));
    expect(old.findings[0]!.message).toContain('has no PCA baseline');
    expect(withBaselineVerdict({ ...glowing, verdict: 'not_ready' }, ctx({ beatsBaseline: true, auc: 0.97 })).verdict).toBe('not_ready');
  });

  it('does not repeat a baseline finding the reviewer already wrote', () => {
    const named: GradientReview = { ...glowing, findings: [{ metric: 'baseline_auc_roc', severity: 'warning', message: 'Close to the baseline.' }] };
    const r = withBaselineVerdict(named, ctx({}));
    expect(r.findings).toEqual(named.findings);
    expect(r.verdict).toBe('not_ready');
  });
});
