/**
 * The learning cycles' findings in endpoint performance (what OpenTelemetry intake captured):
 * error-rate spikes per service and route (five-minute cycle) and p95 regressions against the
 * day before (hourly cycle), as insights of the route's tenant — `tenant` scope, seen by that
 * tenant (its brief, its guidance) and the operator, never by another tenant.
 */
import type { CycleWindow, EndpointFindingFigures } from '../../contracts/learning';
import {
  errorRateSpikes,
  p95Regressions,
  type ErrorRateSpike,
  type P95Regression,
  type RouteFigures,
} from '../../domain/endpoint-findings';
import { signatureHash } from '../../domain/signature-hash';
import type { Insight, MemoryStore } from '../../memory';
import { DAY_MS, hhmm, pct, type WindowWriter } from './rules';

const HOUR_MS = 3_600_000;
/** Routes read per window: far more than a tenant's services expose; the busiest first. */
const MAX_ROUTES = 10_000;

const name = (r: RouteFigures) => `${r.service} ${r.method} ${r.route}`;
const routeKey = (kind: string, r: RouteFigures) =>
  `insight/${kind}/${signatureHash(JSON.stringify([r.service, r.method, r.route]))}`;
const ms = (n: number) => `${Math.round(n)} ms`;

function spikeInsight(s: ErrorRateSpike, start: Date, end: Date): Insight {
  const r = s.route;
  return {
    key: routeKey('endpoint-error-spike', r),
    kind: 'endpoint-error-spike',
    severity: s.rate >= 0.25 ? 'high' : 'medium',
    title: `${name(r)}: ${pct(s.rate)} of requests failed in ${hhmm(start)}–${hhmm(end)} UTC (${pct(s.previousRate)} in the hour before)`,
    detail: `${r.errors} of ${r.requests} requests failed; ${s.previousRequests} requests in the hour before.`,
    recommendedAction: `see the errors of ${r.service} (\`brainops errors list\`) and its routes (\`brainops endpoints --service ${r.service}\`); check what changed (a deployment, a dependency)`,
    actionable: true,
    subject: name(r),
    evidence: {
      service: r.service,
      route: r.route,
      method: r.method,
      requests: r.requests,
      errors: r.errors,
      errorRate: s.rate,
      previousRate: s.previousRate,
      previousRequests: s.previousRequests,
    },
  };
}

function regressionInsight(g: P95Regression, start: Date, end: Date): Insight {
  const r = g.route;
  return {
    key: routeKey('endpoint-p95-regression', r),
    kind: 'endpoint-p95-regression',
    severity: g.p95Ms >= 3 * g.baselineP95Ms ? 'high' : 'medium',
    title: `${name(r)} is slower: p95 ${ms(g.p95Ms)} in ${hhmm(start)}–${hhmm(end)} UTC against ${ms(g.baselineP95Ms)} the day before`,
    detail: `${r.requests} requests this hour, ${g.baselineRequests} in the same hour the day before.`,
    recommendedAction: `look at what ${r.route} of ${r.service} calls and at the deployments since yesterday (\`brainops deploy history\`)`,
    actionable: true,
    subject: name(r),
    evidence: {
      service: r.service,
      route: r.route,
      method: r.method,
      requests: r.requests,
      p95Ms: g.p95Ms,
      baselineP95Ms: g.baselineP95Ms,
      baselineRequests: g.baselineRequests,
    },
  };
}

/** Writes each tenant's insights as that tenant's, keyed by the window (a re-run rewrites nothing). */
async function writePerTenant(
  writeWindow: WindowWriter,
  w: CycleWindow,
  found: { tenantId: string; insight: Insight }[],
): Promise<void> {
  const byTenant = new Map<string, Insight[]>();
  for (const f of found) byTenant.set(f.tenantId, [...(byTenant.get(f.tenantId) ?? []), f.insight]);
  for (const [tenantId, insights] of byTenant) await writeWindow(w, insights, undefined, tenantId);
}

const finding = (r: RouteFigures, insight: Insight): EndpointFindingFigures => ({
  tenantId: r.tenantId,
  service: r.service,
  route: r.route,
  method: r.method,
  key: insight.key,
});

/** The routes of every tenant over [since, until). */
const routesOf = (store: MemoryStore, since: Date, until: Date) =>
  store.endpointPerformance.stats({ since, until, limit: MAX_ROUTES });

/** A rule over a window's routes against a baseline window's, and the insight of each finding. */
interface EndpointRule<F extends { route: RouteFigures }> {
  /** The baseline window of [start, end). */
  baseline: (start: Date, end: Date) => [Date, Date];
  find: (window: RouteFigures[], baseline: RouteFigures[]) => F[];
  insight: (finding: F, start: Date, end: Date) => Insight;
}

/** Applies `rule` to window `w` and writes each finding as its tenant's insight. */
async function applyRule<F extends { route: RouteFigures }>(
  store: MemoryStore,
  writeWindow: WindowWriter,
  w: CycleWindow,
  rule: EndpointRule<F>,
): Promise<EndpointFindingFigures[]> {
  const start = new Date(w.start);
  const end = new Date(w.end);
  const [baseStart, baseEnd] = rule.baseline(start, end);
  const findings = rule.find(await routesOf(store, start, end), await routesOf(store, baseStart, baseEnd));
  const found = findings.map((f) => ({ tenantId: f.route.tenantId, insight: rule.insight(f, start, end) }));
  await writePerTenant(writeWindow, w, found);
  return findings.map((f, i) => finding(f.route, found[i]!.insight));
}

/** Five-minute cycle: error-rate spikes of the window against the hour before, written as insights. */
export const findErrorRateSpikes = (store: MemoryStore, writeWindow: WindowWriter, w: CycleWindow) =>
  applyRule(store, writeWindow, w, {
    baseline: (start) => [new Date(start.getTime() - HOUR_MS), start],
    find: errorRateSpikes,
    insight: spikeInsight,
  });

/** Hourly cycle: p95 regressions of the hour against the same hour the day before, written as insights. */
export const findP95Regressions = (store: MemoryStore, writeWindow: WindowWriter, w: CycleWindow) =>
  applyRule(store, writeWindow, w, {
    baseline: (start, end) => [new Date(start.getTime() - DAY_MS), new Date(end.getTime() - DAY_MS)],
    find: p95Regressions,
    insight: regressionInsight,
  });
