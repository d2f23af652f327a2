//! A small typed fetch wrapper: base URL, JSON in and out, errors as `ApiError`.
import { apiBaseFromPage } from './config';
import { ApiError, errorFromResponse } from './errors';

export type QueryValue = string | number | boolean | null | undefined;

export interface ApiClientOptions {
  /** API base URL without trailing slash; `''` is the page's origin. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Absolute or origin-relative URL of an API path, skipping empty query values. */
  url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** `headers` carries e.g. the admin routes' `Authorization` (see `bearer`). */
  get<T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal, headers?: Record<string, string>): Promise<T> {
    return this.send<T>(this.url(path, query), { method: 'GET', signal, headers });
  }

  post<T>(path: string, body: unknown, signal?: AbortSignal, headers?: Record<string, string>): Promise<T> {
    return this.send<T>(this.url(path), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  }

  private async send<T>(url: string, init: RequestInit): Promise<T> {
    const headers = { Accept: 'application/json', ...(init.headers as Record<string, string> | undefined) };
    let response: Response;
    try {
      response = await this.fetchFn(url, { ...init, headers });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }
    const text = await response.text();
    if (!response.ok) throw errorFromResponse(response.status, response.statusText, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'http', `Expected JSON from ${url}`);
    }
  }
}

/** The `Authorization` header of the admin routes (docs/api.md "Versions"). */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

let defaultClient: ApiClient | undefined;

/** The client every feature uses; built lazily from the page's API base. */
export function api(): ApiClient {
  defaultClient ??= new ApiClient({ baseUrl: apiBaseFromPage() });
  return defaultClient;
}

/** Replaces the shared client (tests). */
export function setApiClient(client: ApiClient | undefined): void {
  defaultClient = client;
}
