// One JSON line per event on stderr (journald keeps it); no dependencies, so the bundle stays small.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent';
const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

const errorFields = (v: unknown) => (v instanceof Error ? { message: v.message, name: v.name } : v);

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (RANK[lvl] > RANK[level]) return;
    const clean = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, errorFields(v)]));
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...clean })}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
