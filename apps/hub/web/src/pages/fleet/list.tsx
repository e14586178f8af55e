import type { DeviceStatus, Target } from '@prometheus/protocol';
import { useEffect, useState } from 'preact/hooks';
import { useDeviceTopics, type LiveState } from '../../live/mqtt.js';
import { ago, num } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Empty, PageHeader } from '../../ui/kit.js';

export function StatusBadge({ status }: { status: Target['status'] }) {
  const tone = status === 'online' ? 'ok' : status === 'offline' ? 'bad' : status === 'pending' ? 'warn' : 'neutral';
  return <Badge tone={tone}>{status}</Badge>;
}

export function LiveNote({ state }: { state: LiveState }) {
  if (state === 'live') return <Badge tone="ok">live</Badge>;
  if (state === 'connecting') return <Badge>connecting…</Badge>;
  return <Badge tone="warn">live link unavailable · refreshing every 15 s</Badge>;
}

/** `site=warren, building=b1` <-> {site: 'warren', building: 'b1'}: how people type tags here (the hub checks them). */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.search(/[=:]/);
    if (at <= 0) throw new Error(`'${part}': write tags as key=value, separated by commas`);
    tags[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return tags;
}

export const formatTags = (tags: Record<string, string>): string => Object.entries(tags ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');

/** A target's group labels, as `key: value` chips (nothing when it has none). */
export function TagList({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return null;
  return <span class="tags" data-testid="target-tags">{entries.map(([k, v]) => <Badge key={k}>{k}: {v}</Badge>)}</span>;
}

/** Applies a retained status / last will to a target as the hub would. */
export function withStatus(t: Target, s: Partial<DeviceStatus>): Target {
  if (t.status === 'revoked' || (s.state !== 'online' && s.state !== 'offline')) return t;
  return {
    ...t, status: s.state, last_seen: s.at ? new Date(s.at).toISOString() : new Date().toISOString(),
    ...(s.version ? { agent_version: s.version } : {}), ...(s.outbox_depth !== undefined ? { outbox_depth: s.outbox_depth } : {}),
  };
}

/** Re-renders every few seconds so "last seen 12 s ago" stays true. */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function FleetPage() {
  const list = useApi<Target[]>('/api/v1/deployments/targets', 15_000);
  const [live, setLive] = useState<Record<string, Partial<DeviceStatus>>>({});
  const ids = (list.data ?? []).filter((t) => t.status !== 'revoked').map((t) => t.id);
  const state = useDeviceTopics(ids, ['status'], (id, _leaf, body) => setLive((m) => ({ ...m, [id]: body as Partial<DeviceStatus> })));
  const now = useNow();
  return (
    <>
      <PageHeader title="Fleet" subtitle={<>Edge controllers and their link to the hub. {ids.length > 0 ? <LiveNote state={state} /> : null}</>}
        actions={<a class="button primary" href="/fleet/enroll">Enroll a controller</a>} />
      <Async state={list} what="Loading targets" empty={<Empty title="No controllers enrolled">Enroll a controller to sync its readings and deploy models to it.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table data-testid="targets">
              <thead><tr><th>Name</th><th>Status</th><th>Last seen</th><th>Readings stored</th><th>Outbox</th><th>Model</th><th>Agent</th><th>Address</th></tr></thead>
              <tbody>
                {rows.map((raw) => {
                  const t = live[raw.id] ? withStatus(raw, live[raw.id]!) : raw;
                  return (
                    <tr key={t.id} data-target={t.name}>
                      <td><a href={`/fleet/${t.id}`}>{t.name}</a> <TagList tags={t.tags} /></td>
                      <td><StatusBadge status={t.status} /></td>
                      <td title={t.last_seen ?? ''}>{ago(t.last_seen, now)}</td>
                      <td class="num">{num(t.readings_stored)}</td>
                      <td class="num">{t.outbox_depth === null ? '—' : num(t.outbox_depth)}{t.dropped_total > 0 ? <Badge tone="warn">{num(t.dropped_total)} dropped</Badge> : null}</td>
                      <td>{t.current_model ?? '—'}</td>
                      <td>{t.agent_version ?? '—'}{t.arch ? <span class="muted"> · {t.arch}</span> : null}</td>
                      <td>{t.ip ?? '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}
