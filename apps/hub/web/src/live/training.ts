import type { TrainingComplete, TrainingEpochUpdate } from '@prometheus/protocol';
import { useEffect, useState } from 'preact/hooks';
import { getSession } from '../api/session.js';

// WebSocket /ws/training/:id: one `epoch_update` per epoch, then `training_complete`. Browsers cannot
// set headers on a WebSocket, so the bearer token goes in `?token=`.
export interface EpochPoint {
  epoch: number;
  train: number;
  val: number | null;
}
export interface TrainingLive {
  points: EpochPoint[];
  last: TrainingEpochUpdate | undefined;
  complete: TrainingComplete | undefined;
  state: 'connecting' | 'open' | 'closed' | 'failed';
}

export function useTrainingSocket(id: string, enabled = true): TrainingLive {
  const [live, setLive] = useState<TrainingLive>({ points: [], last: undefined, complete: undefined, state: 'connecting' });
  useEffect(() => {
    if (!enabled) return;
    const token = encodeURIComponent(getSession()?.token ?? '');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/training/${encodeURIComponent(id)}?token=${token}`);
    ws.onopen = () => setLive((l) => ({ ...l, state: 'open' }));
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as TrainingEpochUpdate | TrainingComplete;
      if (m.type === 'epoch_update') {
        setLive((l) => ({ ...l, last: m, points: [...l.points.filter((p) => p.epoch !== m.current_epoch), { epoch: m.current_epoch, train: m.train_loss, val: m.val_loss }] }));
      } else {
        // The final message carries every epoch's losses: the whole curve, also for a run that ended before we looked.
        const points = m.final_metrics.map((f, i) => ({ epoch: i + 1, train: f.train_loss, val: f.val_loss }));
        setLive((l) => ({ ...l, complete: m, points: points.length >= l.points.length ? points : l.points }));
      }
    };
    ws.onerror = () => setLive((l) => ({ ...l, state: 'failed' }));
    ws.onclose = () => setLive((l) => ({ ...l, state: l.state === 'failed' ? 'failed' : 'closed' }));
    return () => ws.close();
  }, [id, enabled]);
  return live;
}
