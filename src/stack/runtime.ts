import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * Routes the Temporal SDK's logs to pino. Call once per process before creating a worker.
 * Ctrl-C / SIGTERM make the runtime shut workers down gracefully (the SDK's default signals),
 * unless `shutdownSignals` says otherwise (`npm start` handles its signals itself).
 */
export function installRuntime(logger: Logger, opts: { shutdownSignals?: NodeJS.Signals[] } = {}): void {
  const temporalLogger = logger.child({ component: 'temporal' });
  const level = (logger.level === 'trace' ? 'TRACE' : logger.level === 'debug' ? 'DEBUG' : 'WARN') as LogLevel;
  Runtime.install({
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method =
        l === 'TRACE' ? 'trace' : l === 'DEBUG' ? 'debug' : l === 'INFO' ? 'info' : l === 'WARN' ? 'warn' : 'error';
      temporalLogger[method](meta ?? {}, message);
    }),
  });
}
