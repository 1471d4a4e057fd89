/**
 * Requests summed per service, route, HTTP method and minute (the rows of `endpoint_performance`),
 * so an OTLP request of any number of spans costs one upsert per group, not a row per span.
 */
import { bucketOf, emptyHistogram } from './latency-histogram';
import type { CapturedRequest } from './otlp-records';

/** The requests of one service, route, method and minute. */
export interface EndpointMinute {
  service: string;
  route: string;
  method: string;
  /** The minute's start. */
  minute: Date;
  requests: number;
  errors: number;
  /** Sum and maximum of the latencies, ms. */
  sumMs: number;
  maxMs: number;
  /** Counts per bucket of `latency-histogram.ts`. */
  buckets: number[];
}

/** `requests` summed per (service, route, method, minute), sorted by that key (a stable lock order for upserts). */
export function aggregateRequests(requests: readonly CapturedRequest[]): EndpointMinute[] {
  const groups = new Map<string, EndpointMinute>();
  for (const r of requests) {
    const minuteMs = r.startMs - (r.startMs % 60_000);
    const key = `${r.service}\u0000${r.route}\u0000${r.method}\u0000${minuteMs}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        service: r.service,
        route: r.route,
        method: r.method,
        minute: new Date(minuteMs),
        requests: 0,
        errors: 0,
        sumMs: 0,
        maxMs: 0,
        buckets: emptyHistogram(),
      };
      groups.set(key, group);
    }
    group.requests++;
    if (r.failed) group.errors++;
    group.sumMs += r.durationMs;
    if (r.durationMs > group.maxMs) group.maxMs = r.durationMs;
    group.buckets[bucketOf(r.durationMs)]!++;
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.minute.getTime() - b.minute.getTime() ||
      cmp(a.service, b.service) ||
      cmp(a.route, b.route) ||
      cmp(a.method, b.method),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
