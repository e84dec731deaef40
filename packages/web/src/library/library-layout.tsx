import { Link, Outlet, useLocation } from 'react-router';
import { useSession } from '../session/session-context.js';
import './library.css';

/** The library and hardware store section and its tabs (each shown to those who may read it). */
export function LibraryLayout() {
  const { can } = useSession();
  const path = useLocation().pathname.replace(/\/+$/, '');
  const tabs: { to: string; label: string; current: boolean }[] = [];
  if (can('library.read')) {
    tabs.push(
      {
        to: '/library',
        label: 'Software library',
        current: path === '/library' || path.startsWith('/library/artifacts'),
      },
      { to: '/library/compliance', label: 'Compliance', current: path.startsWith('/library/compliance') },
    );
  }
  if (can('hardware.read')) {
    tabs.push({ to: '/library/hardware', label: 'Hardware store', current: path.startsWith('/library/hardware') });
  }
  return (
    <>
      <nav className="section-nav" aria-label="Library and store">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.to}>
              <Link to={tab.to} aria-current={tab.current ? 'page' : undefined}>
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
