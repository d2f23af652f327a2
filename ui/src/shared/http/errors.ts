//! The one error type of the API client, mapped from the `{"error","message"}` body of docs/api.md.

/** `network` when no HTTP answer came back, `http` when the body was not the documented error JSON. */
export type ApiErrorKind =
  | 'bad_input'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'server'
  | 'network'
  | 'http';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, 0 for a network failure. */
    readonly status: number,
    readonly kind: ApiErrorKind,
    message: string,
    /** The `error` field of the body, when there was one. */
    readonly code?: string,
  ) {
    super(message);
  }

  /** A sentence for the UI. */
  get userMessage(): string {
    switch (this.kind) {
      case 'not_found':
        return `Not found: ${this.message}`;
      case 'unavailable':
        return `The backend is unavailable, try again shortly (${this.message})`;
      case 'network':
        return `Cannot reach the API (${this.message})`;
      case 'bad_input':
        return `Invalid request: ${this.message}`;
      default:
        return this.message;
    }
  }
}

export function kindForStatus(status: number): ApiErrorKind {
  if (status === 400 || status === 422) return 'bad_input';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'server';
  return 'http';
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
}

/** Builds the error for a non-2xx response from its status and (possibly non-JSON) body text. */
export function errorFromResponse(status: number, statusText: string, bodyText: string): ApiError {
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(bodyText) as ErrorBody;
  } catch {
    body = undefined;
  }
  const message =
    typeof body?.message === 'string' && body.message !== ''
      ? body.message
      : bodyText.trim().slice(0, 200) || `HTTP ${status} ${statusText}`.trim();
  const code = typeof body?.error === 'string' ? body.error : undefined;
  return new ApiError(status, kindForStatus(status), message, code);
}

/** The message to show for anything thrown by a request. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.userMessage;
  if (err instanceof Error) return err.message;
  return String(err);
}
