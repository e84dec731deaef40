import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { CmdbLayout } from './cmdb/cmdb-layout.js';
import { AppShell } from './components/app-shell.js';
import { NAVIGATION } from './components/navigation.js';
import { RequirePermission, RequireSession } from './components/route-guards.js';
import { AccountPage } from './pages/account-page.js';
import { AuditPage } from './pages/audit-page.js';
import { BaselineDiffPageRoute } from './pages/baseline-diff-page.js';
import { BaselinesPage } from './pages/baselines-page.js';
import { CiGraphPage } from './pages/ci-graph-page.js';
import { CiPageRoute } from './pages/ci-page.js';
import { CiSearchPage } from './pages/ci-search-page.js';
import { CmdbImportPage } from './pages/cmdb-import-page.js';
import { DataQualityPage } from './pages/data-quality-page.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { UsersPage } from './pages/users-page.js';
import { SessionProvider, useSession } from './session/session-context.js';

/** The start page: the first page in the navigation that the user may open. */
function Home() {
  const { can } = useSession();
  const first = NAVIGATION.find((item) => can(item.permission));
  return <Navigate to={first?.to ?? '/account'} replace />;
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            element={
              <RequireSession>
                <AppShell />
              </RequireSession>
            }
          >
            <Route index element={<Home />} />
            <Route path="account" element={<AccountPage />} />
            <Route
              path="cmdb"
              element={
                <RequirePermission permission="cmdb.read">
                  <CmdbLayout />
                </RequirePermission>
              }
            >
              <Route index element={<CiSearchPage />} />
              <Route path="cis/:id" element={<CiPageRoute />} />
              <Route path="cis/:id/graph" element={<CiGraphPage />} />
              <Route path="baselines" element={<BaselinesPage />} />
              <Route path="baselines/:id/diff" element={<BaselineDiffPageRoute />} />
              <Route path="quality" element={<DataQualityPage />} />
              <Route
                path="import"
                element={
                  <RequirePermission permission="cmdb.write">
                    <CmdbImportPage />
                  </RequirePermission>
                }
              />
            </Route>
            <Route
              path="users"
              element={
                <RequirePermission permission="users.read">
                  <UsersPage />
                </RequirePermission>
              }
            />
            <Route
              path="audit"
              element={
                <RequirePermission permission="audit.read">
                  <AuditPage />
                </RequirePermission>
              }
            />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}
