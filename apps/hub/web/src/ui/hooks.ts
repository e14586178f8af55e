import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api/client.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  set(data: T): void;
}

/** GETs `path` (null: wait) and reloads when it changes; `everyMs` polls while mounted. */
export function useApi<T>(path: string | null, everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    get<T>(path, ctl.signal).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if ((error as Error).name !== 'AbortError') setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [path, tick]);
  useEffect(() => {
    if (!everyMs || path === null) return;
    const t = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(t);
  }, [everyMs, path]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: unknown;
  clear(): void;
}

/** A button's request: busy while it runs, the error kept for display, the result returned. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      return await fnRef.current(...args);
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, clear: () => setError(undefined) };
}
