/**
 * The access log of memory operations through the API (key, operation, status, latency, cache
 * hit) and request metrics per key. A request only appends to a buffer; the buffer is written in
 * one statement once a second or at {@link FLUSH_ROWS} rows, off the request's path. When the
 * database refuses, the batch is dropped with a warning (at most {@link MAX_BUFFERED} rows wait),
 * so the log can never slow down or stop the API.
 */
import type { Logger } from 'pino';
import type { AccessLogRow } from '../contracts/api';
import type { ApiKeyStore } from '../memory';

const FLUSH_MS = 1000;
const FLUSH_ROWS = 500;
const MAX_BUFFERED = 10_000;

/** Counters of one key since the process started. */
export interface KeyMetrics {
  keyId: string;
  tenantId: string;
  requests: number;
  errors: number;
  /** Sum of latencies, ms (mean = totalMs / requests). */
  totalMs: number;
  maxMs: number;
  byOperation: Record<string, number>;
}

export class AccessLog {
  private buffer: AccessLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly metrics = new Map<string, KeyMetrics>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly logger: Logger,
  ) {}

  /** Records one operation (synchronous: nothing waits for the database). */
  record(row: AccessLogRow): void {
    this.count(row);
    if (this.buffer.length >= MAX_BUFFERED) return;
    this.buffer.push(row);
    if (this.buffer.length >= FLUSH_ROWS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  private count(row: AccessLogRow): void {
    let m = this.metrics.get(row.keyId);
    if (!m) {
      m = { keyId: row.keyId, tenantId: row.tenantId, requests: 0, errors: 0, totalMs: 0, maxMs: 0, byOperation: {} };
      this.metrics.set(row.keyId, m);
    }
    m.requests++;
    if (row.status >= 400) m.errors++;
    m.totalMs += row.latencyMs;
    m.maxMs = Math.max(m.maxMs, row.latencyMs);
    m.byOperation[row.operation] = (m.byOperation[row.operation] ?? 0) + 1;
  }

  /** Metrics of the keys of one tenant. */
  metricsOf(tenantId: string): KeyMetrics[] {
    return [...this.metrics.values()].filter((m) => m.tenantId === tenantId);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length === 0) return;
    this.writing = this.writing.then(() =>
      this.keys.recordAccesses(rows).catch((error: unknown) => {
        this.logger.warn({ err: error }, `access log: ${rows.length} rows not written`);
      }),
    );
  }

  /** Writes what is buffered and waits for writes under way. */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
  }
}
