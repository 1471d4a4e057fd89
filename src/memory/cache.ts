/**
 * Read-through cache of memory entries, one per process, kept coherent across processes by
 * LISTEN/NOTIFY: a trigger on `memory_entries` announces every change of version, expiry or
 * archival on `brainops_memory_changed`, and each process drops that entry. While the listening
 * connection is down the cache is bypassed, so a missed notification cannot serve stale data.
 */
import { Client, type ClientConfig } from 'pg';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { MemoryEntry } from '../contracts/memory';

const CHANNEL = 'brainops_memory_changed';

export class MemoryCache {
  private readonly entries: LRUCache<string, MemoryEntry>;
  private readonly keyById = new Map<string, string>();
  private listener: Client | undefined;
  private listening = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Bumped on every notification, so a read that raced a change does not cache stale data. */
  private invalidations = 0;
  hits = 0;
  misses = 0;

  constructor(
    maxEntries: number,
    private readonly connection: ClientConfig,
    private readonly logger: Logger,
  ) {
    this.entries = new LRUCache({
      max: Math.max(1, maxEntries),
      dispose: (entry) => this.keyById.delete(entry.id),
    });
  }

  /** Starts listening; until it succeeds every read goes to the database. */
  async start(): Promise<void> {
    const client = new Client(this.connection);
    client.on('notification', (message) => {
      this.invalidations++;
      const key = message.payload ? this.keyById.get(message.payload) : undefined;
      if (key !== undefined) this.entries.delete(key);
    });
    client.on('error', (error) => this.lost(error));
    client.on('end', () => this.lost(new Error('listening connection ended')));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
    this.listening = true;
  }

  private lost(error: Error): void {
    if (!this.listening || this.closed) return;
    this.listening = false;
    this.entries.clear();
    this.logger.warn({ err: error }, 'memory cache lost its invalidation channel; bypassing cache until reconnected');
    this.reconnect();
  }

  /** Tries to listen again every second until it succeeds or the cache is closed. */
  private reconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      const previous = this.listener;
      this.listener = undefined;
      void previous?.end().catch(() => undefined);
      this.start().catch(() => this.reconnect());
    }, 1000);
    this.reconnectTimer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** A live cached entry, or undefined (expired entries are dropped on read). */
  get(key: string): MemoryEntry | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt && entry.expiresAt.getTime() <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  /** A token to pass to {@link set}; take it before reading from the database. */
  readToken(): number {
    return this.invalidations;
  }

  /** Caches an entry read from the database, unless a change was announced since `token`. */
  set(key: string, entry: MemoryEntry, token: number): void {
    if (!this.listening || token !== this.invalidations) return;
    this.entries.set(key, entry);
    this.keyById.set(entry.id, key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listening = false;
    this.entries.clear();
    await this.listener?.end().catch(() => undefined);
  }
}
