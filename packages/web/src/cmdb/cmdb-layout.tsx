import { Link, Outlet, useLocation } from 'react-router';
import { useSession } from '../session/session-context.js';

interface Tab {
  to: string;
  label: string;
  /** Whether the tab is the current one for a path (CI pages belong to "Configuration items"). */
  matches: (path: string) => boolean;
}

/** The CMDB section: its own tabs above every CMDB page; Import only for those who may write. */
export function CmdbLayout() {
  const { can } = useSession();
  const { pathname } = useLocation();
  const tabs: Tab[] = [
    { to: '/cmdb', label: 'Configuration items', matches: (path) => path === '/cmdb' || path.startsWith('/cmdb/cis') },
    { to: '/cmdb/baselines', label: 'Baselines', matches: (path) => path.startsWith('/cmdb/baselines') },
    { to: '/cmdb/quality', label: 'Data quality', matches: (path) => path.startsWith('/cmdb/quality') },
  ];
  if (can('cmdb.write')) {
    tabs.push({ to: '/cmdb/import', label: 'Import', matches: (path) => path.startsWith('/cmdb/import') });
  }
  const path = pathname.replace(/\/+$/, '') || '/';
  return (
    <>
      <nav className="section-nav" aria-label="CMDB">
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
