import pino, { type DestinationStream, type Logger } from 'pino';
import { redactText, redactValue, REDACTED } from '../domain/redact';

/** Log fields that are secrets whole, wherever they appear (pino redact paths). */
export const REDACT_PATHS = [
  'password',
  'token',
  'apiKey',
  'authorization',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.env',
  '*.*.env',
];

/**
 * The process logger: JSON lines, or pretty when stdout is a terminal. Every line goes through the
 * redaction rule (`src/domain/redact.ts`): credentials in URLs, `password=`-style parameters,
 * authorization headers and the configured `secrets` never reach a log.
 */
export function createLogger(
  level: string,
  name = 'brainops',
  options: { secrets?: readonly string[]; destination?: DestinationStream } = {},
): Logger {
  const secrets = options.secrets ?? [];
  const pretty = !options.destination && process.stdout.isTTY && !process.env.CI;
  const settings: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: {
      logMethod(args, method) {
        const clean = args.map((a: unknown) =>
          typeof a === 'string' ? redactText(a, secrets) : redactValue(a, secrets),
        );
        return method.apply(this, clean as Parameters<typeof method>);
      },
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
