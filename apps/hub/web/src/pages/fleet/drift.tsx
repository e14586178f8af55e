import type { DriftReport } from '@prometheus/protocol';
import { Chart } from '../../ui/chart.js';
import { bytes, num } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Badge, Card, Empty } from '../../ui/kit.js';

// Drift of a target over time: PSI of each feature and of the score per hour against the model's training
// histograms (the agent sends hourly counts, never the readings), the threshold dashed, and what it costs the link.
const COLORS = ['--chart-1', '--chart-3', '--chart-4', '--chart-5', '--chart-6', '--chart-7', '--chart-8'];

export function DriftCard({ targetId }: { targetId: string }) {
  const drift = useApi<DriftReport>(`/api/v1/deployments/targets/${targetId}/drift`, 60_000);
  const d = drift.data;
  const hours = d?.hours ?? [];
  const columns = [...new Set(hours.flatMap((h) => h.features.map((f) => f.column)))];
  const drifted = hours.filter((h) => h.drifted.length > 0).length;
  const x = hours.map((h) => Date.parse(h.hour_start) / 1000);
  return (
    <Card title="Drift" actions={drifted > 0 ? <Badge tone="bad">{drifted} drifted hour{drifted === 1 ? '' : 's'}</Badge> : undefined}>
      {d && !d.available ? <p class="muted" data-testid="drift-unavailable">{d.reason}</p> : null}
      {hours.length === 0 ? <Empty title="No drift hours yet">The controller sends its first hour of histograms once an hour of readings has been scored.</Empty> : (
        <>
          <Chart testId="drift-chart" xKind="time" x={x} height={220} yLabel="PSI" series={[
            ...columns.map((c, i) => ({ label: c, values: hours.map((h) => h.features.find((f) => f.column === c)?.psi ?? null), color: COLORS[i % COLORS.length]! })),
            { label: 'score', values: hours.map((h) => h.score_psi), color: '--chart-2' },
            { label: `threshold ${num(d?.threshold ?? null)}`, values: hours.map(() => d?.threshold ?? null), color: '--muted', dash: [6, 4] },
          ]} />
          <p class="muted" data-testid="drift-bandwidth">
            {num(hours.length)} hourly summaries · {bytes(d?.bandwidth.projected_bytes_per_day ?? null)} a day on the link
            {hours.at(-1)?.drifted.length ? ` · last hour drifted: ${hours.at(-1)?.drifted.join(', ')}` : ''}
          </p>
        </>
      )}
    </Card>
  );
}
