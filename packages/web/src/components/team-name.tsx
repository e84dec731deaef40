import { useCallback } from 'react';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

/** The team a change or release belongs to, or "organisation-wide" (the default). */
export function TeamName({ teamId }: { teamId: number | null }) {
  const { api } = useSession();
  const load = useCallback(
    (signal: AbortSignal) => (teamId === null ? Promise.resolve(undefined) : api.teams.list(signal)),
    [api, teamId],
  );
  const teams = useLoad(load);
  if (teamId === null) return <span className="muted">organisation-wide</span>;
  const team = teams.data?.items.find((t) => t.id === teamId);
  return <>{team ? team.name : `team #${teamId}`}</>;
}
