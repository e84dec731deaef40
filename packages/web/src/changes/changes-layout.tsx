import { Link, Outlet, useLocation } from 'react-router';
import { useSession } from '../session/session-context.js';
import './changes.css';

interface Tab {
  to: string;
  label: string;
  matches: (path: string) => boolean;
}

/** The change section: its tabs, shown only for what the role may do. */
export function ChangesLayout() {
  const { can } = useSession();
  const { pathname } = useLocation();
  const path = pathname.replace(/\/+$/, '') || '/';
  const tabs: Tab[] = [
    {
      to: '/changes',
      label: 'All changes',
      matches: (p) => p === '/changes' || (/^\/changes\/\d+/.test(p) && !p.endsWith('/new')),
    },
  ];
  if (can('changes.approve') || can('changes.manage')) {
    tabs.push({ to: '/changes/cab', label: 'CAB queue', matches: (p) => p.startsWith('/changes/cab') });
  }
  if (can('changes.write')) {
    tabs.push({ to: '/changes/new', label: 'Raise a change', matches: (p) => p.startsWith('/changes/new') });
  }
  return (
    <>
      <nav className="section-nav" aria-label="Changes">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.to}>
              <Link to={tab.to} aria-current={tab.matches(path) ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </>
  );
}
