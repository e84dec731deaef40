import { useCallback, useState } from 'react';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { SecretReveal } from '../components/secret-reveal.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

/**
 * The iCalendar subscription: calendar clients cannot send an API token, so the link carries a
 * read-only feed token, shown once. Existing links can be revoked here.
 */
export function FeedSubscription() {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.changes.feedTokens.list(signal), [api]);
  const tokens = useLoad(load);
  const [name, setName] = useState('My calendar');
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function create() {
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.changes.feedTokens.create(name.trim() || 'My calendar');
      setUrl(new URL(created.url, window.location.origin).toString());
      tokens.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: number) {
    setError(undefined);
    try {
      await api.changes.feedTokens.revoke(id);
      tokens.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  const active = (tokens.data?.items ?? []).filter((token) => token.revokedAt === null);
  return (
    <section className="card" aria-labelledby="subscribe-title">
      <h2 id="subscribe-title">Subscribe in Outlook, Google Calendar or Thunderbird</h2>
      <p className="small muted">
        The link opens this calendar read-only for as long as you may read changes. Treat it as a secret.
      </p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <div className="field">
          <label htmlFor="feed-name">Name of the subscription</label>
          <input id="feed-name" maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          Create iCalendar link
        </button>
      </form>
      <ErrorNotice error={error} />
      {url && (
        <SecretReveal
          label="iCalendar subscription link"
          value={url}
          explanation="Shown once: Slipway keeps only a hash of its token. Paste it into your calendar client as a subscription (by URL)."
        />
      )}
      {active.length > 0 && (
        <ul className="plain small" aria-label="Your calendar links">
          {active.map((token) => (
            <li key={token.id}>
              {token.name} ({token.prefix}…), created <DateTime value={token.createdAt} />, last used{' '}
              <DateTime value={token.lastUsedAt} empty="never" />{' '}
              <button type="button" className="button-link" onClick={() => void revoke(token.id)}>
                Revoke {token.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
