import { describe, expect, it } from 'vitest';
import { mergeCurves } from '../../apps/hub/web/src/pages/evaluations/roc.js';

// The evaluation page draws the model's and the baseline's ROC curves on one uPlot chart, which shares one x array.
describe('console ROC curves', () => {
  it('puts both curves on the x values of both, each keeping its own points in order, null elsewhere', () => {
    const model = { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [9, 5, 2, 0] };
    const baseline = { fpr: [0, 0.5, 0.5, 1], tpr: [0, 0.25, 0.75, 1], thresholds: [8, 4, 3, 1] };
    const m = mergeCurves(model, baseline);
    expect(m.x).toEqual([0, 0, 0, 0.5, 0.5, 0.5, 1, 1]);
    expect(m.model).toEqual([0, 0.5, null, 1, null, null, 1, null]);
    expect(m.baseline).toEqual([null, null, 0, null, 0.25, 0.75, null, 1]);
    expect(mergeCurves(model, null)).toEqual({ x: model.fpr, model: model.tpr, baseline: [null, null, null, null] });
  });
});
