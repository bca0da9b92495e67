// A small local stand-in for an OpenAI-compatible API, for tests and benchmarks.
//
//   const fake = await startFakeOpenAI({ apiKey: 'sk-test', replies: ['Hello!'] });
//   // point the code under test at fake.url (base URL ending in /v1) with key 'sk-test'
//   fake.requests;   // every request received, in order: { method, path, authorized, body }
//   await fake.close();
//
// Options (all optional):
//   apiKey        the bearer key to accept; any other key gets 401 with OpenAI's error JSON.
//                 Without it every key is accepted.
//   replies       a queue of scripted replies, used one per chat completion, in order.
//   defaultReply  used when the queue is empty: a reply, or a function of the request body
//                 returning one. Defaults to 'OK.'.
//   hang          accept requests and never answer (to test timeouts and shutdown).
//   models        the model ids GET /v1/models lists (default: gpt-4o-mini, gpt-4o, gpt-4.1-mini).
//
// A reply is a string (assistant text) or { content?, toolCalls?, status?, message?, delayMs? }:
//   toolCalls  [{ name, arguments }] streamed as tool_calls deltas (finish_reason 'tool_calls')
//   status     answer with this HTTP status and OpenAI's error JSON instead of a completion
//   message    the error message sent with status (default "Scripted failure (<status>)")
//   delayMs    wait this long before answering
//
// Served: POST /v1/chat/completions (streaming SSE when body.stream is true, plain JSON
// otherwise; with response_format set, the scripted content is returned as is) and
// GET /v1/models (a list). Anything else answers 404.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
}

export interface FakeReplyObject {
  content?: string;
  toolCalls?: FakeToolCall[];
  status?: number;
  /** The error message sent with `status`. */
  message?: string;
  delayMs?: number;
}

export type FakeReply = string | FakeReplyObject;

export interface ChatCompletionRequestBody {
  model?: string;
  stream?: boolean;
  messages?: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
  tools?: unknown[];
  response_format?: unknown;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Whether the bearer key matched (always true when no apiKey was configured). */
  authorized: boolean;
  body: ChatCompletionRequestBody | null;
}

export interface FakeOpenAIOptions {
  apiKey?: string;
  replies?: FakeReply[];
  defaultReply?: FakeReply | ((body: ChatCompletionRequestBody) => FakeReply);
  hang?: boolean;
  models?: string[];
  /** Waits this long before answering each request, as a provider across the internet does (benchmarks). */
  latencyMs?: number;
}

export interface FakeOpenAI {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:43121/v1 */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const MODEL_IDS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue = [...(options.replies ?? [])];
  const requests: RecordedRequest[] = [];
  let completionCount = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody('fake server failure', 'server_error', null));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: ChatCompletionRequestBody | null = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as ChatCompletionRequestBody;
      } catch {
        body = null;
      }
    }
    const authorized = options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`;
    requests.push({ method: req.method ?? 'GET', path, authorized, body });

    if (options.hang) return; // never answer; close() destroys the socket

    if (!authorized) {
      sendJson(
        res,
        401,
        errorBody(
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      );
      return;
    }

    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: (options.models ?? MODEL_IDS).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
      });
      return;
    }

    if (req.method === 'POST' && path === '/v1/chat/completions') {
      if (body === null) {
        sendJson(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
        return;
      }
      const reply = normalise(nextReply(body));
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (reply.status !== undefined && reply.status >= 400) {
        sendJson(res, reply.status, errorBody(reply.message ?? `Scripted failure (${reply.status})`, 'api_error', null));
        return;
      }
      completionCount += 1;
      const id = `chatcmpl-fake${completionCount}`;
      const model = typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
      if (body.stream) streamCompletion(res, id, model, reply, body);
      else sendJson(res, 200, completion(id, model, reply));
      return;
    }

    sendJson(res, 404, errorBody(`Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'));
  }

  function nextReply(body: ChatCompletionRequestBody): FakeReply {
    const queued = queue.shift();
    if (queued !== undefined) return queued;
    const fallback = options.defaultReply;
    if (typeof fallback === 'function') return fallback(body);
    return fallback ?? 'OK.';
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function normalise(reply: FakeReply): FakeReplyObject {
  return typeof reply === 'string' ? { content: reply } : reply;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function toolCallArguments(call: FakeToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

function usage(reply: FakeReplyObject) {
  const completionTokens = Math.max(1, Math.ceil((reply.content ?? '').length / 4));
  return { prompt_tokens: 10, completion_tokens: completionTokens, total_tokens: 10 + completionTokens };
}

function completion(id: string, model: string, reply: FakeReplyObject) {
  const toolCalls = reply.toolCalls?.map((call, index) => ({
    id: `call_fake${index}`,
    type: 'function',
    function: { name: call.name, arguments: toolCallArguments(call) },
  }));
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.content ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: usage(reply),
  };
}

function streamCompletion(
  res: ServerResponse,
  id: string,
  model: string,
  reply: FakeReplyObject,
  body: ChatCompletionRequestBody,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;

  res.write(chunk({ role: 'assistant', content: '' }));
  // Word-sized pieces, like a real stream.
  for (const piece of (reply.content ?? '').match(/\S+\s*|\s+/g) ?? []) res.write(chunk({ content: piece }));
  reply.toolCalls?.forEach((call, index) => {
    res.write(
      chunk({ tool_calls: [{ index, id: `call_fake${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    res.write(chunk({ tool_calls: [{ index, function: { arguments: toolCallArguments(call) } }] }));
  });
  res.write(chunk({}, reply.toolCalls?.length ? 'tool_calls' : 'stop'));
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage(reply) })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}
