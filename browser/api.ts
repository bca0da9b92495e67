// JSON calls to MockFlow's API with the session's CSRF token; a refusal is an ApiError with
// the server's sentence.
import type { ApiErrorBody } from '../shared/api.ts';

export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

export class ApiError extends Error {
  /** The HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly body: ApiErrorBody | null;

  constructor(message: string, status: number, body: ApiErrorBody | null = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** The answer's body as `T` (a type of shared/api.ts); throws ApiError for anything but 2xx. */
export async function api<T = void>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = csrfToken();
  if (token) headers['x-csrf-token'] = token;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError('Cannot reach MockFlow. Check your connection and try again.', 0);
  }
  const data = parseJson(await response.text());
  if (!response.ok) {
    const refusal = isErrorBody(data) ? data : null;
    throw new ApiError(refusal?.message ?? `The server answered ${response.status}.`, response.status, refusal);
  }
  return data as T;
}

export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function isErrorBody(data: unknown): data is ApiErrorBody {
  return typeof data === 'object' && data !== null && typeof (data as ApiErrorBody).message === 'string';
}

/** The interview's API path: /api/interviews/:id plus `rest`. */
export function interviewPath(id: string, rest = ''): string {
  return `/api/interviews/${encodeURIComponent(id)}${rest}`;
}
