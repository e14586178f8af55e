import type { RocCurve } from '@prometheus/protocol';

/**
 * Two ROC curves on the x values of both (uPlot shares one x array): each curve keeps its own points in order,
 * null where the x belongs to the other curve, and the lines span those gaps.
 */
export function mergeCurves(model: RocCurve, baseline: RocCurve | null): { x: number[]; model: (number | null)[]; baseline: (number | null)[] } {
  const points = [
    ...model.fpr.map((x, k) => ({ x, y: model.tpr[k] as number, of: 0, k })),
    ...(baseline?.fpr.map((x, k) => ({ x, y: baseline.tpr[k] as number, of: 1, k })) ?? []),
  ].sort((p, q) => p.x - q.x || p.of - q.of || p.k - q.k);
  return { x: points.map((p) => p.x), model: points.map((p) => (p.of === 0 ? p.y : null)), baseline: points.map((p) => (p.of === 1 ? p.y : null)) };
}
