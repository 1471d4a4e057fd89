/**
 * The access log of memory operations through the API (key, operation, status, latency, cache
 * hit) and request metrics per key. A request only hands its row to a group commit (the memory
 * store's `Batcher`), written in one statement once a second or at {@link FLUSH_ROWS} rows, off
 * the request's path and never awaited by it. When the database refuses, the batch is dropped
 * with a warning, so the log can never slow down or stop the API.
 */
import type { Logger } from 'pino';
import type { AccessLogRow } from '../contracts/api';
import { Batcher, type ApiKeyStore } from '../memory';

const FLUSH_MS = 1000;
const FLUSH_ROWS = 500;

/** Counters of one key since the process started. */
export interface KeyMetrics {
  keyId: string;
  /** The key's tenant; null for an operator key. */
  tenantId: string | null;
  requests: number;
  errors: number;
  /** Sum of latencies, ms (mean = totalMs / requests). */
  totalMs: number;
  maxMs: number;
  byOperation: Record<string, number>;
}

export class AccessLog {
  private readonly batcher: Batcher<AccessLogRow>;
  private readonly metrics = new Map<string, KeyMetrics>();

  /** `keys`: the API keys' store, opened on first write. */
  constructor(keys: () => Promise<ApiKeyStore>, logger: Logger) {
    this.batcher = new Batcher(
      (rows) =>
        keys()
          .then((k) => k.recordAccesses(rows))
          .then(
            () => undefined,
            (error: unknown) => logger.warn({ err: error }, `access log: ${rows.length} rows not written`),
          ),
      FLUSH_ROWS,
      FLUSH_MS,
    );
  }

  /** Records one operation (synchronous: nothing waits for the database). */
  record(row: AccessLogRow): void {
    this.count(row);
    void this.batcher.add(row);
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

  /** Metrics of the keys of one tenant (every key without one). */
  metricsOf(tenantId: string | undefined): KeyMetrics[] {
    return [...this.metrics.values()].filter((m) => tenantId === undefined || m.tenantId === tenantId);
  }

  /** Writes what is buffered and waits for writes under way. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
