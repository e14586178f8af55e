// Numbers, sizes and times as the console shows them.
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function num(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? n.toExponential(2) : Number(n.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function pct(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`;
}

const ZONE_KEY = 'prometheus.timezone';
let zone: string | undefined = localStorage.getItem(ZONE_KEY) ?? undefined;

/** The user's time zone preference (IANA name) for every time the console shows; kept per browser like the theme. */
export function setDisplayTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return; // the hub validates the name; an unknown one here keeps the browser's zone
  }
  zone = tz;
  localStorage.setItem(ZONE_KEY, tz);
}
export const displayTimeZone = (): string | undefined => zone;

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', ...(zone ? { timeZone: zone } : {}) });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const EQUIPMENT: Record<string, string> = {
  air_handler: 'Air handler', boiler: 'Boiler', pump: 'Pump', chiller: 'Chiller', fan_coil: 'Fan coil', steam: 'Steam plant',
};
export const equipment = (t: string) => EQUIPMENT[t] ?? t;

const ARCH: Record<string, string> = { lstm_autoencoder: 'LSTM autoencoder', gru_predictor: 'GRU predictor', sentinel: 'Sentinel' };
export const architecture = (a: string) => ARCH[a] ?? a;
