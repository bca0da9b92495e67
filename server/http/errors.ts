// Typed errors thrown from anywhere and turned into HTTP in one place (http/error-handler.ts).

export interface HttpErrorOptions {
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

export class HttpError extends Error {
  readonly fields?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.fields = options.fields;
    this.headers = options.headers;
    this.details = options.details;
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);

export const validation = (fields: Record<string, string>, message = 'Some fields need attention.') =>
  new HttpError(400, 'validation', message, { fields });

export const unauthorized = (message = 'Sign in to continue.') => new HttpError(401, 'unauthorized', message);

export const forbidden = (message = 'You cannot do that.') => new HttpError(403, 'forbidden', message);

export const notFound = (message = 'Not found.') => new HttpError(404, 'not_found', message);

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new HttpError(409, 'conflict', message, { details });

export const preconditionFailed = (message: string, details?: Record<string, unknown>) =>
  new HttpError(412, 'precondition_failed', message, { details });

export const tooLarge = (message: string) => new HttpError(413, 'too_large', message);

export const unprocessable = (message: string) => new HttpError(422, 'unprocessable', message);

export const capacity = (retryAfterSeconds: number, message: string) =>
  new HttpError(429, 'capacity', message, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    details: { retryAfterSeconds },
  });

export const badGateway = (message: string) => new HttpError(502, 'bad_gateway', message);

export const unavailable = (message: string) => new HttpError(503, 'unavailable', message);
