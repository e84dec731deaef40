import { SlipwayApiError, SlipwayConnectionError } from '@slipway/client';

export { SlipwayApiError, SlipwayConnectionError };

/** A message for any thrown value, for places that show an error to the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof SlipwayConnectionError) {
    return 'Cannot reach the Slipway server; check your connection and try again.';
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Whether the error is the server's answer with this code. */
export function isApiError(error: unknown, code: SlipwayApiError['code']): error is SlipwayApiError {
  return error instanceof SlipwayApiError && error.code === code;
}
