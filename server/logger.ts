import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Anything that could hold a secret is censored by path wherever it appears in a log object.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.keys',
  '*.livekit_api_key',
  '*.livekit_api_secret',
  '*.openai_key',
  '*.deepgram_key',
  '*.llmApiKey',
  '*.deepgramKey',
];

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } });
  return pino(options);
}
