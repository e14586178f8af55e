import type { DiagnosisDay, DiagnosisDaySeries, DiagnosisEpisode } from '@prometheus/protocol';
import { useMemo } from 'preact/hooks';
import { Chart, type ChartBand } from '../../ui/chart.js';
import { num } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Card, Empty } from '../../ui/kit.js';
import { familyColor, FamilyLegend, FamilyTag } from './families.js';

// One day of a diagnosis: the readings the rules read that day (from the hub, in the rules' units) with each
// episode shaded over them in its family's color, then each episode's evidence.
const LINE_COLORS = ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5', '--chart-6', '--chart-7', '--chart-8'];
const UNIT_TEXT: Record<string, string> = { F: '°F', fraction: '0-1', inH2O: 'in. w.c.', binary: 'on/off', cfm: 'cfm' };
const GROUPS: { title: string; units: string[]; testId: string }[] = [
  { title: 'Temperatures', units: ['F'], testId: 'day-chart-temperatures' },
  { title: 'Commands and status', units: ['fraction', 'binary'], testId: 'day-chart-commands' },
  { title: 'Duct static pressure', units: ['inH2O'], testId: 'day-chart-pressure' },
  { title: 'Airflow', units: ['cfm'], testId: 'day-chart-airflow' },
];

/** Local clock time of an instant in the diagnosis's calendar. */
export const clock = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });

/** Episodes that overlap the day's readings [first, last + one step]. */
export function episodesOfDay(episodes: DiagnosisEpisode[], t: number[]): DiagnosisEpisode[] {
  if (t.length === 0) return [];
  const step = t.length > 1 ? t[1]! - t[0]! : 60_000;
  const [from, to] = [t[0]!, t[t.length - 1]! + step];
  return episodes.filter((e) => Date.parse(e.start) < to && Date.parse(e.end) > from);
}

/**
 * One band per stretch of time a family was in fault: overlapping episodes of a family (FC12 and FC13 at once)
 * merge, so the shade stays light enough to read the lines under it.
 */
export function familyBands(episodes: DiagnosisEpisode[], from: number, to: number): ChartBand[] {
  const bands: ChartBand[] = [];
  for (const family of new Set(episodes.map((e) => e.family))) {
    const spans = episodes.filter((e) => e.family === family)
      .map((e) => [Math.max(from, Date.parse(e.start) / 1000), Math.min(to, Date.parse(e.end) / 1000)] as const)
      .sort((a, b) => a[0] - b[0]);
    let open: ChartBand | undefined;
    for (const [start, end] of spans) {
      if (open && start <= open.to) open.to = Math.max(open.to, end);
      else bands.push((open = { from: start, to: end, color: familyColor(family) }));
    }
  }
  return bands;
}

export function DayView({ diagnosisId, day, episodes, timeZone }: { diagnosisId: string; day: DiagnosisDay; episodes: DiagnosisEpisode[]; timeZone: string }) {
  const data = useApi<DiagnosisDaySeries>(`/api/v1/diagnoses/${diagnosisId}/series?date=${day.date}`);
  return (
    <Card title={`${day.date} · ${num(day.minutes)} minutes in fault`} class="diagnosis-day" actions={<FamilyTag family={day.family} />}>
      <Async state={data} what="Loading the day's readings">{(s) => <DayCharts s={s} episodes={episodes} timeZone={timeZone} />}</Async>
    </Card>
  );
}

function DayCharts({ s, episodes, timeZone }: { s: DiagnosisDaySeries; episodes: DiagnosisEpisode[]; timeZone: string }) {
  const x = useMemo(() => s.t.map((ms) => ms / 1000), [s]);
  const day = useMemo(() => episodesOfDay(episodes, s.t), [episodes, s]);
  const bands = useMemo(() => familyBands(day, x[0] ?? 0, (x[x.length - 1] ?? 0) + 60), [day, x]);
  if (s.t.length === 0) return <Empty title="No readings on this day" />;
  const families = [...new Set(day.map((e) => e.family))];
  return (
    <>
      <p class="muted">Times in {timeZone}. Shaded: {day.length === 0 ? 'nothing fired this day' : `${day.length} episode${day.length === 1 ? '' : 's'}, colored by the family the evidence points at`}.</p>
      <FamilyLegend families={families} />
      {GROUPS.map((g) => {
        const lines = s.series.filter((l) => g.units.includes(l.unit));
        if (lines.length === 0) return null;
        return (
          <div key={g.testId} class="day-chart">
            <h3>{g.title} <span class="muted">({[...new Set(lines.map((l) => UNIT_TEXT[l.unit] ?? l.unit))].join(', ')})</span></h3>
            <Chart testId={g.testId} xKind="time" timeZone={timeZone} x={x} height={240} bands={bands}
              series={lines.map((l, i) => ({ label: `${l.input} · ${l.column.trim()}`, values: l.values, color: LINE_COLORS[i % LINE_COLORS.length]! }))} />
          </div>
        );
      })}
      <Episodes episodes={day} timeZone={timeZone} />
    </>
  );
}

function Episodes({ episodes, timeZone }: { episodes: DiagnosisEpisode[]; timeZone: string }) {
  if (episodes.length === 0) return null;
  return (
    <ol class="episodes" data-testid="episodes">
      {episodes.map((e) => (
        <li key={`${e.fault_condition}${e.start}`} data-family={e.family}>
          <div class="episode-head">
            <Badge tone="bad">{e.fault_condition}</Badge> <FamilyTag family={e.family} />
            <span class="muted"> {clock(e.start, timeZone)}–{clock(e.end, timeZone)} · {num(e.minutes)} min · {e.operating_state}</span>
          </div>
          <ul class="evidence">{e.evidence.map((line) => <li key={line}>{line}</li>)}</ul>
        </li>
      ))}
    </ol>
  );
}
