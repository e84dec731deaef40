import { isApiError } from '../api/errors.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { ErrorNotice } from './error-notice.js';

/**
 * Why a detail page has nothing to show: the app's "Page not found" when the object does not
 * exist (the server's 404, like a non-numeric id in IdRoute), otherwise the error with a retry.
 */
export function LoadFailure({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (isApiError(error, 'NOT_FOUND')) return <NotFoundPage />;
  return <ErrorNotice error={error} onRetry={onRetry} />;
}
