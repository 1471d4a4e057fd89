import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { coreMetricsTelemetry } from '../metrics/temporal-core';

/**
 * Routes the Temporal SDK's logs to pino. Call once per process before creating a worker.
 * Ctrl-C / SIGTERM make the runtime shut workers down gracefully (the SDK's default signals),
 * unless `shutdownSignals` says otherwise (`npm start` handles its signals itself). With
 * `coreMetricsPort`, the SDK's metrics are served on 127.0.0.1:<port> (see `src/metrics/temporal-core.ts`).
 */
export function installRuntime(
  logger: Logger,
  opts: { shutdownSignals?: NodeJS.Signals[]; coreMetricsPort?: number } = {},
): void {
  const temporalLogger = logger.child({ component: 'temporal' });
  const level = (logger.level === 'trace' ? 'TRACE' : logger.level === 'debug' ? 'DEBUG' : 'WARN') as LogLevel;
  Runtime.install({
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
    ...(opts.coreMetricsPort ? { telemetryOptions: coreMetricsTelemetry(opts.coreMetricsPort) } : {}),
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method =
        l === 'TRACE' ? 'trace' : l === 'DEBUG' ? 'debug' : l === 'INFO' ? 'info' : l === 'WARN' ? 'warn' : 'error';
      temporalLogger[method](meta ?? {}, message);
    }),
  });
}
