/**
 * The Prometheus metrics of one BrainOps process: one `prom-client` registry per process, with
 * every BrainOps series declared here once (names per the Prometheus docs' "Metric and label
 * naming": a `brainops_` prefix, base units — seconds — and `_total` on counters), and Node's own
 * process metrics (`brainops_process_*`, `brainops_nodejs_*`). What fills them lives beside it: the
 * HTTP hook (`http.ts`), the memory-store observer (`store-observer.ts`) and the database gauges
 * (`database-gauges.ts`). `render()` adds the Temporal SDK's own metrics when this process runs a
 * worker (`temporal-core.ts`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets of request and search latency, seconds: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class BrainOpsMetrics {
  readonly registry = new Registry();
  /** Extra exposition text appended to the registry's (the Temporal SDK's metrics), if any. */
  private extra: (() => Promise<string>) | undefined;
  /** Run before each render, to bring series read from elsewhere (the database, pools) up to date. */
  private readonly collectors: (() => void | Promise<void>)[] = [];

  readonly httpRequests = new Counter({
    name: 'brainops_http_requests_total',
    help: 'HTTP requests answered, by method, route (its pattern, not the URL) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'brainops_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly memoryWrites = new Counter({
    name: 'brainops_memory_writes_total',
    help: 'Memory entries stored by this process (every caller: API, MCP, activities), by layer.',
    labelNames: ['layer'] as const,
    registers: [this.registry],
  });
  readonly memorySearches = new Counter({
    name: 'brainops_memory_searches_total',
    help: 'Memory searches run by this process, by mode (natural or websearch).',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly searchDuration = new Histogram({
    name: 'brainops_memory_search_duration_seconds',
    help: 'Time a memory search took in this process, by mode.',
    labelNames: ['mode'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'brainops_memory_cache_lookups_total',
    help: 'Reads of the read-through memory cache of this process, by result (hit or miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly sessionMessages = new Counter({
    name: 'brainops_session_messages_total',
    help: 'Session messages this process persisted, by outcome (stored; duplicate: a resend already stored; quarantined: refused by PostgreSQL).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly embeddingsPending = new Gauge({
    name: 'brainops_embeddings_pending',
    help: 'Texts written after the embedding catch-up cursor of the configured model, by source (counted up to 100000).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly errorEvents = new Gauge({
    name: 'brainops_error_events',
    help: 'Error events that occurred in the last 24 hours, by their current status (database-wide).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly autoResolvedShare = new Gauge({
    name: 'brainops_errors_auto_resolved_ratio',
    help: 'Of the errors resolved in the last 7 days, the share resolved by automation (never escalated); NaN when none was resolved.',
    registers: [this.registry],
  });
  readonly errorsResolved = new Gauge({
    name: 'brainops_errors_resolved',
    help: 'Errors resolved in the last 7 days, by who resolved them (automation or person).',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });
  readonly procedureCompliance = new Gauge({
    name: 'brainops_procedure_compliance_ratio',
    help: 'Share of a procedure version’s step decisions in the last 24 hours that followed the procedure (run, not skipped, blocked or warned).',
    labelNames: ['procedure', 'version'] as const,
    registers: [this.registry],
  });
  readonly learningCycleDuration = new Gauge({
    name: 'brainops_learning_cycle_duration_seconds',
    help: 'How long the latest run of each learning cycle took (its activities, first start to last finish).',
    labelNames: ['cycle'] as const,
    registers: [this.registry],
  });
  readonly learningCycleCompleted = new Gauge({
    name: 'brainops_learning_cycle_last_completed_timestamp_seconds',
    help: 'When the latest run of each learning cycle completed (Unix time).',
    labelNames: ['cycle'] as const,
    registers: [this.registry],
  });
  readonly poolConnections = new Gauge({
    name: 'brainops_db_pool_connections',
    help: 'Connections of this process’s database pools, by pool and state (total, idle, waiting: callers waiting for one).',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
  });
  readonly databaseReadErrors = new Counter({
    name: 'brainops_metrics_database_read_errors_total',
    help: 'Failed reads of the database-backed series (their last values are kept).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'brainops_' });
  }

  /** Runs `collect` before every render (it should be fast: cache what is slow). */
  onCollect(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  /** Adds exposition text from elsewhere (the Temporal SDK's exporter) to every render. */
  appendExposition(source: () => Promise<string>): void {
    this.extra = source;
  }

  /** The content type of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in the Prometheus text format. */
  async render(): Promise<string> {
    // The appended text is fetched while the collectors bring the registry up to date.
    const extra = this.extra?.() ?? Promise.resolve('');
    await Promise.all(this.collectors.map((c) => c()));
    const [own, appended] = await Promise.all([this.registry.metrics(), extra]);
    return appended ? `${own}\n${appended}` : own;
  }
}

let processMetrics: BrainOpsMetrics | undefined;

/** The registry of this process (created on first use): every server and worker in it shares it. */
export function metricsOfProcess(): BrainOpsMetrics {
  processMetrics ??= new BrainOpsMetrics();
  return processMetrics;
}
