import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { post } from './api/client.js';
import { endSession } from './api/session.js';
import { loadPreferences, useSession } from './session-hooks.js';

const NAV: { href: string; label: string; admin?: boolean }[] = [
  { href: '/datasets', label: 'Datasets' },
  { href: '/training', label: 'Training' },
  { href: '/models', label: 'Models' },
  { href: '/evaluations', label: 'Evaluations' },
  { href: '/fleet', label: 'Fleet' },
  { href: '/deployments', label: 'Deployments' },
  { href: '/rollouts', label: 'Rollouts' },
  { href: '/billing', label: 'Billing & usage' },
  { href: '/admin/users', label: 'Users', admin: true },
];

/** The signed-in frame: a sidebar at desktop width, a top bar with a menu button on a phone. */
export function Layout({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  useEffect(() => void loadPreferences(), [session?.token]);
  const signOut = async () => {
    await post('/api/v1/auth/logout').catch(() => undefined);
    endSession('You have signed out.');
  };
  const items = NAV.filter((n) => !n.admin || session?.user.role === 'admin');
  return (
    <div class={`shell ${open ? 'nav-open' : ''}`}>
      <header class="topbar">
        <a href="/datasets" class="brand"><span class="logo" aria-hidden="true">▲</span> Prometheus</a>
        <button type="button" class="menu-button" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>Menu</button>
      </header>
      <nav id="nav" class="sidebar" aria-label="Main">
        <div class="sidebar-inner">
          <a href="/datasets" class="brand wide"><span class="logo" aria-hidden="true">▲</span> Prometheus</a>
          <ul>
            {items.map((n) => (
              <li key={n.href}><a href={n.href} class={path === n.href || path.startsWith(`${n.href}/`) ? 'active' : ''}>{n.label}</a></li>
            ))}
          </ul>
          <div class="who">
            <a href="/profile" class={path === '/profile' ? 'active' : ''}>{session?.user.username} <small class="muted">({session?.user.role})</small></a>
            <button type="button" class="link" onClick={() => void signOut()}>Sign out</button>
          </div>
        </div>
      </nav>
      <main class="content">{children}</main>
    </div>
  );
}
