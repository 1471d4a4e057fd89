/**
 * Group commit for memory entries: concurrent stores of one tenant share a statement. Each store
 * asks for a connection as any query does; whichever gets one first writes every store queued
 * behind it, so 50 callers on a pool of 10 cost a few statements and commits instead of 50. A lone
 * store is written as before, with one prepared statement, and nothing ever waits on a timer.
 */
import type { MemoryEntry } from '../contracts/memory';
import { identityText, unwrittenEntry, upsertEntries, upsertEntry, type Queryable, type StoreInput } from './entries';

/** Rows in one statement at most. */
const MAX_ROWS = 100;
/** JSON text of one statement's rows at most (bytes, about): an entry larger goes alone. */
const MAX_BYTES = 1 << 20;

interface QueuedWrite {
  input: StoreInput;
  expiresAt: Date | null;
  identity: string;
  bytes: number;
  resolve: (entry: MemoryEntry) => void;
  reject: (error: unknown) => void;
}

/** One tenant's writes: queued, whether a writer is waiting for a connection, identities being written. */
interface TenantWrites {
  queue: QueuedWrite[];
  waiting: boolean;
  inFlight: Set<string>;
}

/** Runs `work` on a connection of the tenant (row-level security), or the operator's without one. */
export type RunAs = (tenantId: string | undefined, work: (db: Queryable) => Promise<void>) => Promise<void>;

/**
 * Writes memory entries (without `expectedVersion`) as {@link upsertEntry} does, several per
 * statement when they arrive together. At most one writer per tenant waits for a connection; once
 * it has one, it writes what is queued, statement after statement, until nothing is left that it
 * may take. Writes of one identity keep the order they were queued in: an identity is in one
 * statement at a time, and its next write waits in the queue until that statement is done.
 */
export class EntryWriteQueue {
  private readonly tenants = new Map<string | undefined, TenantWrites>();

  constructor(private readonly runAs: RunAs) {}

  /**
   * The entry as written.
   * @throws StaleWriteError, or PostgreSQL's error for this entry alone (a row PostgreSQL refuses
   * fails only its own write), or the error of getting a connection.
   */
  write(input: StoreInput, expiresAt: Date | null): Promise<MemoryEntry> {
    return new Promise((resolve, reject) => {
      const tenant = input.tenantId;
      let writes = this.tenants.get(tenant);
      if (!writes) this.tenants.set(tenant, (writes = { queue: [], waiting: false, inFlight: new Set() }));
      writes.queue.push({
        input,
        expiresAt,
        identity: identityText(input),
        bytes: (JSON.stringify(input.value) ?? '').length + (input.content?.length ?? 0) + 512,
        resolve,
        reject,
      });
      if (!writes.waiting) this.startWriter(tenant, writes);
    });
  }

  private startWriter(tenant: string | undefined, writes: TenantWrites): void {
    writes.waiting = true;
    let connected = false;
    this.runAs(tenant, async (db) => {
      connected = true;
      writes.waiting = false;
      for (let batch = this.take(writes); batch.length > 0; batch = this.take(writes)) {
        await this.writeBatch(db, writes, batch);
      }
    })
      .catch((error: unknown) => {
        if (connected) return;
        // No connection: what waited for this writer fails with the reason.
        writes.waiting = false;
        const stranded = writes.queue;
        writes.queue = [];
        for (const write of stranded) write.reject(error);
      })
      .finally(() => {
        if (!writes.waiting && writes.queue.length === 0 && writes.inFlight.size === 0) this.tenants.delete(tenant);
      });
  }

  /**
   * The next statement's writes, oldest first: each identity once and none being written, at
   * most MAX_ROWS and MAX_BYTES (one at least). Sorted, so that statements lock rows in one order.
   */
  private take(writes: TenantWrites): QueuedWrite[] {
    const batch: QueuedWrite[] = [];
    const left: QueuedWrite[] = [];
    let bytes = 0;
    for (const write of writes.queue) {
      const fits = batch.length === 0 || (batch.length < MAX_ROWS && bytes + write.bytes <= MAX_BYTES);
      if (!fits || writes.inFlight.has(write.identity)) {
        left.push(write);
        continue;
      }
      writes.inFlight.add(write.identity);
      bytes += write.bytes;
      batch.push(write);
    }
    writes.queue = left;
    return batch.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  }

  /** Writes `batch` and settles each of its writes; never throws. */
  private async writeBatch(db: Queryable, writes: TenantWrites, batch: QueuedWrite[]): Promise<void> {
    try {
      await writeSettling(db, batch);
    } finally {
      for (const write of batch) writes.inFlight.delete(write.identity);
    }
  }
}

async function writeSettling(db: Queryable, batch: QueuedWrite[]): Promise<void> {
  if (batch.length === 1) return settle(batch[0]!, () => upsertEntry(db, batch[0]!.input, batch[0]!.expiresAt));
  let written: (MemoryEntry | undefined)[];
  try {
    written = await upsertEntries(db, batch);
  } catch {
    // The statement wrote nothing; one at a time, each write gets its own answer.
    for (const write of batch) await settle(write, () => upsertEntry(db, write.input, write.expiresAt));
    return;
  }
  for (const [i, write] of batch.entries()) {
    const entry = written[i];
    if (entry) write.resolve(entry);
    else await settle(write, () => unwrittenEntry(db, write.input));
  }
}

async function settle(write: QueuedWrite, attempt: () => Promise<MemoryEntry>): Promise<void> {
  try {
    write.resolve(await attempt());
  } catch (error) {
    write.reject(error);
  }
}
