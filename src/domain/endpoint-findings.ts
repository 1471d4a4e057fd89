/**
 * What the learning cycles find in endpoint performance (OpenTelemetry server spans, per tenant,
 * service, route and method): error-rate spikes of a five-minute window against the hour before
 * it, and p95 regressions of an hour against the same hour the day before. Pure: the figures in,
 * the findings out; thresholds in {@link ENDPOINT_RULES}.
 */

/** A route's figures over a window (as `endpoint_performance` sums them). */
export interface RouteFigures {
  tenantId: string;
  service: string;
  route: string;
  method: string;
  requests: number;
  errors: number;
  /** ms; null without requests. */
  p95Ms: number | null;
}

/** Thresholds of the endpoint findings: defaults chosen for this project, documented here. */
export const ENDPOINT_RULES = Object.freeze({
  /** A route with fewer requests in the window (or, for a regression, in its baseline) is not judged. */
  minRequests: 20,
  /** An error-rate spike: at least this share of the window's requests failed… */
  spikeMinRate: 0.05,
  /** …at least this many of them… */
  spikeMinErrors: 5,
  /** …and more than this multiple of the route's error rate over the hour before. */
  spikeFactor: 3,
  /** A p95 regression: the hour's p95 is more than this multiple of the day before's… */
  regressionFactor: 1.5,
  /** …and at least this many ms slower (small latencies jitter by whole buckets). */
  regressionMinMs: 20,
});

/** A route whose error rate spiked. */
export interface ErrorRateSpike {
  route: RouteFigures;
  /** errors / requests in the window, 0–1. */
  rate: number;
  /** The route's error rate over the hour before (0 when it had no requests then). */
  previousRate: number;
  previousRequests: number;
}

/** A route whose p95 latency regressed. */
export interface P95Regression {
  route: RouteFigures;
  /** ms, the window's and the same window a day before. */
  p95Ms: number;
  baselineP95Ms: number;
  baselineRequests: number;
}

const identity = (r: RouteFigures) => JSON.stringify([r.tenantId, r.service, r.route, r.method]);

/** The routes of `window` whose error rate spiked against `previousHour` (same routes, the hour before). */
export function errorRateSpikes(window: RouteFigures[], previousHour: RouteFigures[]): ErrorRateSpike[] {
  const before = new Map(previousHour.map((r) => [identity(r), r]));
  const spikes: ErrorRateSpike[] = [];
  for (const route of window) {
    if (route.requests < ENDPOINT_RULES.minRequests || route.errors < ENDPOINT_RULES.spikeMinErrors) continue;
    const rate = route.errors / route.requests;
    const previous = before.get(identity(route));
    const previousRate = previous && previous.requests > 0 ? previous.errors / previous.requests : 0;
    if (rate >= ENDPOINT_RULES.spikeMinRate && rate > ENDPOINT_RULES.spikeFactor * previousRate)
      spikes.push({ route, rate, previousRate, previousRequests: previous?.requests ?? 0 });
  }
  return spikes;
}

/** The routes of `window` whose p95 regressed against `baseline` (the same window a day before). */
export function p95Regressions(window: RouteFigures[], baseline: RouteFigures[]): P95Regression[] {
  const before = new Map(baseline.map((r) => [identity(r), r]));
  const regressions: P95Regression[] = [];
  for (const route of window) {
    const base = before.get(identity(route));
    if (!base || route.p95Ms === null || base.p95Ms === null) continue;
    if (route.requests < ENDPOINT_RULES.minRequests || base.requests < ENDPOINT_RULES.minRequests) continue;
    if (
      route.p95Ms > ENDPOINT_RULES.regressionFactor * base.p95Ms &&
      route.p95Ms - base.p95Ms >= ENDPOINT_RULES.regressionMinMs
    )
      regressions.push({ route, p95Ms: route.p95Ms, baselineP95Ms: base.p95Ms, baselineRequests: base.requests });
  }
  return regressions;
}
