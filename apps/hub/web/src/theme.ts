// Themes are CSS variable sets on <html data-theme>; the choice is kept per browser so the login page
// already wears it, and the user's preference (profile) wins once signed in.
export type Theme = 'nexusedge-dark' | 'nexusedge-light';
const KEY = 'prometheus.theme';
const listeners = new Set<() => void>();

export function storedTheme(): Theme {
  return localStorage.getItem(KEY) === 'nexusedge-light' ? 'nexusedge-light' : 'nexusedge-dark';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem(KEY, theme);
  for (const fn of listeners) fn();
}

export function onThemeChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
