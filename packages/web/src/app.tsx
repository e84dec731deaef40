import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { WindowsPage } from './calendar/windows-page.js';
import { ChangesLayout } from './changes/changes-layout.js';
import { CmdbLayout } from './cmdb/cmdb-layout.js';
import { AppShell } from './components/app-shell.js';
import { IdRoute } from './components/id-route.js';
import { NAVIGATION } from './components/navigation.js';
import { RequirePermission, RequireSession } from './components/route-guards.js';
import { LibraryLayout } from './library/library-layout.js';
import { AccountPage } from './pages/account-page.js';
import { ArtifactPage } from './pages/artifact-page.js';
import { ArtifactUploadPage } from './pages/artifact-upload-page.js';
import { ArtifactsPage } from './pages/artifacts-page.js';
import { AuditPage } from './pages/audit-page.js';
import { BaselineDiffPageRoute } from './pages/baseline-diff-page.js';
import { BaselinesPage } from './pages/baselines-page.js';
import { CabQueuePage } from './pages/cab-queue-page.js';
import { CalendarPage } from './pages/calendar-page.js';
import { EditChangePage, NewChangePage } from './pages/change-editor-page.js';
import { ChangePage } from './pages/change-page.js';
import { ChangesPage } from './pages/changes-page.js';
import { CiGraphPage } from './pages/ci-graph-page.js';
import { CiPage } from './pages/ci-page.js';
import { CiSearchPage } from './pages/ci-search-page.js';
import { CmdbImportPage } from './pages/cmdb-import-page.js';
import { CompliancePage } from './pages/compliance-page.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { DataQualityPage } from './pages/data-quality-page.js';
import { HardwarePage } from './pages/hardware-page.js';
import { IncidentsPage } from './pages/incidents-page.js';
import { LoginPage } from './pages/login-page.js';
import { MaturityPage } from './pages/maturity-page.js';
import { MetricsPage } from './pages/metrics-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { PolicyPage } from './pages/policy-page.js';
import { ReleasePage } from './pages/release-page.js';
import { ReleasesPage } from './pages/releases-page.js';
import { RolloutPage } from './pages/rollout-page.js';
import { RolloutsPage } from './pages/rollouts-page.js';
import { TeamsPage } from './pages/teams-page.js';
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
            <Route path="dashboard" element={<DashboardPage />} />
            <Route
              path="cmdb"
              element={
                <RequirePermission permission="cmdb.read">
                  <CmdbLayout />
                </RequirePermission>
              }
            >
              <Route index element={<CiSearchPage />} />
              <Route path="cis/:id" element={<IdRoute>{(id) => <CiPage ciId={id} />}</IdRoute>} />
              <Route path="cis/:id/graph" element={<IdRoute>{(id) => <CiGraphPage ciId={id} />}</IdRoute>} />
              <Route path="baselines" element={<BaselinesPage />} />
              <Route
                path="baselines/:id/diff"
                element={<IdRoute>{(id) => <BaselineDiffPageRoute baselineId={id} />}</IdRoute>}
              />
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
              path="changes"
              element={
                <RequirePermission permission="changes.read">
                  <ChangesLayout />
                </RequirePermission>
              }
            >
              <Route index element={<ChangesPage />} />
              <Route path="cab" element={<CabQueuePage />} />
              <Route
                path="new"
                element={
                  <RequirePermission permission="changes.write">
                    <NewChangePage />
                  </RequirePermission>
                }
              />
              <Route path=":id" element={<IdRoute>{(id) => <ChangePage id={id} />}</IdRoute>} />
              <Route
                path=":id/edit"
                element={
                  <RequirePermission permission="changes.write">
                    <IdRoute>{(id) => <EditChangePage id={id} />}</IdRoute>
                  </RequirePermission>
                }
              />
            </Route>
            <Route
              path="metrics"
              element={
                <RequirePermission permission="metrics.read">
                  <MetricsPage />
                </RequirePermission>
              }
            />
            <Route
              path="incidents"
              element={
                <RequirePermission permission="incidents.read">
                  <IncidentsPage />
                </RequirePermission>
              }
            />
            <Route
              path="maturity"
              element={
                <RequirePermission permission="metrics.read">
                  <MaturityPage />
                </RequirePermission>
              }
            />
            <Route
              path="calendar"
              element={
                <RequirePermission permission="changes.read">
                  <CalendarPage />
                </RequirePermission>
              }
            />
            <Route
              path="calendar/windows"
              element={
                <RequirePermission permission="changes.read">
                  <WindowsPage />
                </RequirePermission>
              }
            />
            <Route path="library" element={<LibraryLayout />}>
              <Route
                index
                element={
                  <RequirePermission permission="library.read">
                    <ArtifactsPage />
                  </RequirePermission>
                }
              />
              <Route
                path="artifacts/new"
                element={
                  <RequirePermission permission="library.write">
                    <ArtifactUploadPage />
                  </RequirePermission>
                }
              />
              <Route
                path="artifacts/:id"
                element={
                  <RequirePermission permission="library.read">
                    <IdRoute>{(id) => <ArtifactPage id={id} />}</IdRoute>
                  </RequirePermission>
                }
              />
              <Route
                path="compliance"
                element={
                  <RequirePermission permission="library.read">
                    <CompliancePage />
                  </RequirePermission>
                }
              />
              <Route
                path="hardware"
                element={
                  <RequirePermission permission="hardware.read">
                    <HardwarePage />
                  </RequirePermission>
                }
              />
            </Route>
            <Route
              path="releases"
              element={
                <RequirePermission permission="releases.read">
                  <ReleasesPage />
                </RequirePermission>
              }
            />
            <Route
              path="releases/:id"
              element={
                <RequirePermission permission="releases.read">
                  <IdRoute>{(id) => <ReleasePage id={id} />}</IdRoute>
                </RequirePermission>
              }
            />
            <Route
              path="rollouts"
              element={
                <RequirePermission permission="rollouts.read">
                  <RolloutsPage />
                </RequirePermission>
              }
            />
            <Route
              path="rollouts/:id"
              element={
                <RequirePermission permission="rollouts.read">
                  <IdRoute>{(id) => <RolloutPage id={id} />}</IdRoute>
                </RequirePermission>
              }
            />
            <Route
              path="policy"
              element={
                <RequirePermission permission="policy.read">
                  <PolicyPage />
                </RequirePermission>
              }
            />
            <Route
              path="users"
              element={
                <RequirePermission permission="users.read">
                  <UsersPage />
                </RequirePermission>
              }
            />
            <Route
              path="teams"
              element={
                <RequirePermission permission="teams.admin">
                  <TeamsPage />
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
