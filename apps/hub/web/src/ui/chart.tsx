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
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

function options(p: ChartProps, width: number): uPlot.Options {
  const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } };
  const tz = displayTimeZone();
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
  const shape = `${props.series.map((s) => `${s.label}:${s.color}:${s.pointsOnly ? 1 : 0}`).join('|')}|${props.xKind}|${props.log}`;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const u = new uPlot(options(props, Math.max(200, el.clientWidth)), toData(props), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change shape (or the theme's colors); data updates go through setData below.
  }, [shape, document.documentElement.dataset.theme]);

  useEffect(() => {
    plot.current?.setData(toData(props));
  }, [props.x, props.series]);

  return <div class="chart" ref={host} data-testid={props.testId} data-points={props.x.length} />;
}
