import type { PolicyLists } from '../outbound-policy.js';
import type { SourceRecord } from '../rows.js';

/** What every source reader gets: where it may connect, how long it may take, how many rows it may bring. */
export interface SourceContext {
  policy: PolicyLists;
  timeoutMs: number;
  /** The most rows an import keeps. Readers return up to `rowCap + 1`: the row past the cap says the import was cut. */
  rowCap: number;
  /** `sqlite` files must live under this directory. */
  importDir: string;
  now: () => Date;
}

export type { SourceRecord };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export { isRecord };
