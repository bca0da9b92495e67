// Input is declared in the route chain: `validate(Schema)` parses the body (or the query)
// before the handler runs, and the handler reads the parsed, typed value with
// `inputOf(res, Schema)`. A mismatch is the one validation error, a message per field.

import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { validation } from './errors.ts';

/** Each response's parsed inputs, by schema. */
const parsedInputs = new WeakMap<Response, Map<z.ZodType, unknown>>();

export interface ValidateOptions {
  /** What is parsed: the JSON or form body (the default) or the query string. */
  from?: 'body' | 'query';
  /** The error's message above its fields. */
  message?: string;
}

export function validate(schema: z.ZodType, { from = 'body', message }: ValidateOptions = {}): RequestHandler {
  return async (req, res, next) => {
    const parsed = await schema.safeParseAsync(req[from] ?? {});
    if (!parsed.success) return next(validation(fieldErrors(parsed.error), message));
    parsedInputs.set(res, (parsedInputs.get(res) ?? new Map()).set(schema, parsed.data));
    next();
  };
}

/** What `validate(schema)` parsed for this request; a route that forgot it fails loudly. */
export function inputOf<S extends z.ZodType>(res: Response, schema: S): z.output<S> {
  const inputs = parsedInputs.get(res);
  if (!inputs?.has(schema)) throw new Error('inputOf: this route has no validate() for that schema');
  return inputs.get(schema) as z.output<S>;
}

/** Turns zod issues into the per-field messages the API promises: the first issue of each field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue.path[0] ?? 'body');
    fields[name] ??= issue.code === 'unrecognized_keys' ? 'is not a field that can be saved' : issue.message;
  }
  return fields;
}
