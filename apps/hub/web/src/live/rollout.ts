import type { RolloutDetail } from '@prometheus/protocol';
import { useEffect, useState } from 'preact/hooks';
import { getSession } from '../api/session.js';

// WebSocket /ws/rollouts/:id: the rollout's detail at once and after every change the hub's engine makes.
// Browsers cannot set headers on a WebSocket, so the bearer token goes in `?token=`; a dropped socket is
// opened again (the first message after it is the whole state, so nothing is missed).
export interface RolloutLive {
  detail: RolloutDetail | undefined;
  state: 'connecting' | 'open' | 'closed';
}

export function useRolloutSocket(id: string): RolloutLive {
  const [live, setLive] = useState<RolloutLive>({ detail: undefined, state: 'connecting' });
  useEffect(() => {
    let ws: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      const token = encodeURIComponent(getSession()?.token ?? '');
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/rollouts/${encodeURIComponent(id)}?token=${token}`);
      ws.onopen = () => setLive((l) => ({ ...l, state: 'open' }));
      ws.onmessage = (e) => setLive({ detail: JSON.parse(String(e.data)) as RolloutDetail, state: 'open' });
      ws.onclose = () => {
        setLive((l) => ({ ...l, state: 'closed' }));
        if (!stopped) retry = setTimeout(open, 3000);
      };
    };
    open();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      ws?.close();
    };
  }, [id]);
  return live;
}
