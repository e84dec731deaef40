import { errorMessage, SlipwayApiError } from '../api/errors.js';

/** Explains a failed request: the server's own message, plus a hint where one helps. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error === undefined || error === null) return null;
  let hint: string | null = null;
  if (error instanceof SlipwayApiError) {
    if (error.code === 'FORBIDDEN') hint = 'Your roles do not allow this. Ask an administrator if you need it.';
    else if (error.code === 'PRECONDITION_FAILED') hint = 'Someone else changed this meanwhile; the list was reloaded.';
    else if (error.code === 'INTERNAL')
      hint = `This is a fault in Slipway; quote request id ${error.requestId ?? 'unknown'}.`;
  }
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {errorMessage(error)}
        {error instanceof SlipwayApiError && <span className="error-code"> ({error.code})</span>}
      </p>
      {hint && <p className="muted">{hint}</p>}
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
