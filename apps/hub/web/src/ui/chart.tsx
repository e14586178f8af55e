import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { displayTimeZone } from './format.js';

// Every chart of the console is a uPlot: loss curves, ROC, telemetry and anomaly scores.
export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** CSS variable holding the color, e.g. --chart-1. */
  color: string;
  /** Points only (alerts marked on a score line). */
  pointsOnly?: boolean;
  dash?: number[];
}

export interface ChartProps {
  x: number[];
  series: ChartSeries[];
  /** `time`: x is epoch seconds. */
  xKind?: 'time' | 'number';
  xLabel?: string;
  yLabel?: string;
  height?: number;
  /** Fixed axis ranges (ROC: 0..1). */
  xRange?: [number, number];
  yRange?: [number, number];
  log?: boolean;
  /** Whole-number x (epochs): ticks at 1, 2, 5, 10, … never between. */
  xIntegers?: boolean;
  testId?: string;
  /** Shaded x ranges under the lines (diagnosis episodes), in x units; color a CSS variable. */
  bands?: ChartBand[];
  /** IANA zone of a time axis when it must be the data's own (a diagnosis's calendar), not the user's. */
  timeZone?: string;
}

export interface ChartBand {
  from: number;
  to: number;
  color: string;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/** Fills each band across the plot's height before the series are drawn. */
function drawBands(u: uPlot, bands: ChartBand[] | undefined): void {
  if (!bands?.length) return;
  const { ctx, bbox } = u;
  ctx.save();
  ctx.globalAlpha = 0.18;
  for (const b of bands) {
    const x0 = Math.max(bbox.left, u.valToPos(b.from, 'x', true));
    const x1 = Math.min(bbox.left + bbox.width, u.valToPos(b.to, 'x', true));
    if (x1 <= x0) continue;
    ctx.fillStyle = cssVar(b.color);
    ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
  }
  ctx.restore();
}

function options(p: ChartProps, width: number, bands: () => ChartBand[] | undefined): uPlot.Options {
  const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } };
  const tz = p.timeZone ?? displayTimeZone();
  return {
    width, height: p.height ?? 260,
    // Time axes in the user's time zone preference (uPlot's own helper; x values are epoch seconds).
    ...(tz ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), tz) } : {}),
    scales: {
      x: { time: p.xKind === 'time', ...(p.xRange ? { range: p.xRange } : {}) },
      y: { ...(p.yRange ? { range: p.yRange } : {}), ...(p.log ? { distr: 3 } : {}) },
    },
    axes: [{ ...axis, ...(p.xLabel ? { label: p.xLabel } : {}), ...(p.xIntegers ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) }, { ...axis, ...(p.yLabel ? { label: p.yLabel } : {}), size: 60 }],
    legend: { show: true },
    hooks: { drawClear: [(u) => drawBands(u, bands())] },
    cursor: { drag: { x: true, y: false } },
    series: [
      { label: p.xLabel ?? (p.xKind === 'time' ? 'time' : 'x') },
      ...p.series.map((s) => {
        const color = cssVar(s.color);
        return s.pointsOnly
          ? { label: s.label, stroke: color, fill: color, paths: () => null, points: { show: true, size: 9, fill: color, stroke: color } }
          : { label: s.label, stroke: color, width: 2, spanGaps: true, points: { show: false }, ...(s.dash ? { dash: s.dash } : {}) };
      }),
    ],
  };
}

const toData = (p: ChartProps): uPlot.AlignedData => [p.x, ...p.series.map((s) => s.values)] as uPlot.AlignedData;

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const bands = useRef(props.bands);
  bands.current = props.bands;
  const shape = `${props.series.map((s) => `${s.label}:${s.color}:${s.pointsOnly ? 1 : 0}`).join('|')}|${props.xKind}|${props.log}`;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const u = new uPlot(options(props, Math.max(200, el.clientWidth), () => bands.current), toData(props), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change shape (or the theme's colors); data updates go through setData below.
  }, [shape, props.timeZone, document.documentElement.dataset.theme]);

  useEffect(() => {
    plot.current?.setData(toData(props));
  }, [props.x, props.series]);
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [props.bands]);

  return <div class="chart" ref={host} data-testid={props.testId} data-points={props.x.length} data-bands={props.bands?.length ?? 0} />;
}
