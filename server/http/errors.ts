// Typed errors thrown from anywhere and turned into HTTP in one place (http/error-handler.ts).
// This file is the only one that makes an HttpError: one constructor per status and code the
// product answers with. The code is part of the JSON API (`{ error: code, message, … }`); the
// message is the caller's, in the product's words.

/** Why a résumé file was refused (400): the page tells the candidate what to upload instead. */
export const RESUME_REFUSALS = [
  'missing_file',
  'empty_file',
  'unsupported_type',
  'type_mismatch',
  'unreadable_file',
  'encrypted_pdf',
  'scanned_pdf',
  'no_text',
  'too_complex',
] as const;
export type ResumeRefusal = (typeof RESUME_REFUSALS)[number];

export type ErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'validation'
  | ResumeRefusal
  | 'unauthorized'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'too_large'
  | 'too_short'
  | 'unsafe_url'
  | 'capacity'
  | 'rate_limited'
  | 'too_many_streams'
  | 'upstream'
  | 'unavailable';

interface HttpErrorOptions {
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

export class HttpError<C extends ErrorCode = ErrorCode> extends Error {
  readonly fields?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: C,
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

/** Whether `err` is an HttpError (with one of `codes`, when given). */
export function isHttpError<C extends ErrorCode>(err: unknown, ...codes: C[]): err is HttpError<C> {
  return err instanceof HttpError && (codes.length === 0 || (codes as ErrorCode[]).includes(err.code));
}

const retryAfter = (seconds: number) => ({ headers: { 'Retry-After': String(seconds) }, details: { retryAfterSeconds: seconds } });

/** A request that cannot be understood; a body parser's own 4xx keeps its status. */
export const badRequest = (message: string, status = 400) => new HttpError(status, 'bad_request', message);

export const badJson = (message: string) => new HttpError(400, 'bad_json', message);

export const validation = (fields: Record<string, string>, message = 'Some fields need attention.') =>
  new HttpError(400, 'validation', message, { fields });

export const resumeError = (code: ResumeRefusal, message: string) => new HttpError(400, code, message);

export const unauthorized = (message = 'Sign in to continue.') => new HttpError(401, 'unauthorized', message);

export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

export const csrfFailed = (message: string) => new HttpError(403, 'csrf', message);

export const notFound = (message: string) => new HttpError(404, 'not_found', message);

export const conflict = (message: string) => new HttpError(409, 'conflict', message);

export const preconditionFailed = (message: string, details?: Record<string, unknown>) =>
  new HttpError(412, 'precondition_failed', message, { details });

export const tooLarge = (message: string) => new HttpError(413, 'too_large', message);

export const tooShort = (message: string, details: { answers: number; needed: number }) =>
  new HttpError(422, 'too_short', message, { details });

/** A saved URL that may not be used; `setting` names its field in Settings → Keys. */
export const unsafeUrl = (message: string, setting: string) => new HttpError(422, 'unsafe_url', message, { details: { setting } });

export const capacity = (retryAfterSeconds: number, message: string) => new HttpError(429, 'capacity', message, retryAfter(retryAfterSeconds));

export const rateLimited = (retryAfterSeconds: number, message: string) =>
  new HttpError(429, 'rate_limited', message, { details: { retryAfterSeconds } });

export const tooManyStreams = (max: number, message: string) => new HttpError(429, 'too_many_streams', message, { details: { max } });

/** A service we depend on (a provider, the interview child, the sign-in service) did not do its part. */
export const upstream = (message: string, details?: Record<string, unknown>) => new HttpError(502, 'upstream', message, { details });

export const unavailable = (message: string, retryAfterSeconds?: number) =>
  new HttpError(503, 'unavailable', message, retryAfterSeconds === undefined ? {} : retryAfter(retryAfterSeconds));

/** An HttpError as one server process tells another (a runner answering a web instance's start). */
export interface SentError {
  status: number;
  code: ErrorCode;
  message: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

/** What another process may be told of an error: an HttpError as it is, anything else as `otherwise`. */
export function sendableError(err: unknown, otherwise: HttpError): SentError {
  const { status, code, message, fields, headers, details } = err instanceof HttpError ? err : otherwise;
  return { status, code, message, fields, headers, details };
}

/** The error another process sent, to answer with as if it had been thrown here. */
export const receivedError = ({ status, code, message, fields, headers, details }: SentError) =>
  new HttpError(status, code, message, { fields, headers, details });
