import pino, { type Logger } from 'pino';

/** The process logger: JSON lines, or pretty when stdout is a terminal. */
export function createLogger(level: string, name = 'brainops'): Logger {
  const pretty = process.stdout.isTTY && !process.env.CI;
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } } : {}),
  });
}
