/**
 * The Temporal SDK's own metrics (workflow and activity task latencies, slots, polls, sticky cache,
 * …): the worker's Core runtime exports them itself in the Prometheus format when its telemetry
 * options name a `prometheus.bindAddress` (`@temporalio/worker` `RuntimeOptions.telemetryOptions.metrics`,
 * `PrometheusMetricsExporter`). BrainOps binds that exporter to a loopback port of its own choosing
 * and adds its text to the process's `/metrics`, so one scrape has both.
 */
import type { TelemetryOptions } from '@temporalio/worker';
import type { BrainOpsMetrics } from './registry';

/** How long a scrape waits for the Core exporter, ms: its series are left out when it is slower. */
export const CORE_SCRAPE_TIMEOUT_MS = 1000;

/** Telemetry options that make the Core runtime serve its metrics on `127.0.0.1:<port>`. */
export function coreMetricsTelemetry(port: number): TelemetryOptions {
  return {
    metrics: {
      prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, useSecondsForDurations: true },
    },
  };
}

/** Adds the Core exporter's text on `127.0.0.1:<port>` to every render of `metrics`. */
export function appendCoreMetrics(metrics: BrainOpsMetrics, port: number): void {
  metrics.appendExposition(async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
        signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS),
      });
      return response.ok ? await response.text() : '';
    } catch {
      return '';
    }
  });
}
