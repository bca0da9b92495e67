import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { badJson, badRequest, HttpError, notFound, tooLarge } from './errors.ts';

export function wantsJson(req: Request): boolean {
  if (req.originalUrl.startsWith('/api/') || req.originalUrl === '/api') return true;
  return req.accepts(['html', 'json']) === 'json';
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(notFound('There is nothing at this address.'));
};

/** Maps every error to HTTP: JSON for the API, a page for browsers, never a stack trace. */
export function errorHandler({ exposeInternals }: { exposeInternals: boolean }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    const status = known?.status ?? 500;
    if (!known) req.log?.error({ err }, 'unhandled error');
    const message = known?.message ?? 'Something went wrong on our side. Please try again in a moment.';
    const code = known?.code ?? 'internal';
    for (const [name, value] of Object.entries(known?.headers ?? {})) res.setHeader(name, value);
    res.status(status);
    if (wantsJson(req)) {
      res.json({
        error: code,
        message,
        ...(known?.fields ? { fields: known.fields } : {}),
        ...(known?.details ?? {}),
        ...(!known && exposeInternals ? { detail: String((err as Error)?.message ?? err) } : {}),
      });
      return;
    }
    res.render('error', { title: titleFor(status), status, message, retryUrl: known?.details?.retryUrl }, (renderErr, html) => {
      if (renderErr) {
        req.log?.error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain').send(message);
        return;
      }
      res.send(html);
    });
  };
}

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
  const status = e?.status ?? e?.statusCode;
  // Errors from body parsers and similar middleware carry a client status and a safe message.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (e.type === 'entity.parse.failed') return badJson('The request body is not valid JSON.');
    if (e.type === 'entity.too.large') return tooLarge('The request body is too large.');
    return badRequest(e.expose && e.message ? e.message : 'The request could not be understood.', status);
  }
  return undefined;
}

function titleFor(status: number): string {
  if (status === 401) return 'Please sign in';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Page not found';
  if (status === 429) return 'Slow down';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
