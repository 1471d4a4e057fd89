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
  taken: boolean;
  resolve: (entry: MemoryEntry) => void;
  reject: (error: unknown) => void;
}

/** Runs `work` on a connection of the tenant (row-level security), or the operator's without one. */
export type RunAs = (tenantId: string | undefined, work: (db: Queryable) => Promise<void>) => Promise<void>;

/**
 * Writes memory entries (without `expectedVersion`) as {@link upsertEntry} does, several per
 * statement when they arrive together. Writes of one identity keep their order: one statement
 * holds an identity once, and the next write of it waits for the statement before it.
 */
export class EntryWriteQueue {
  private readonly queues = new Map<string | undefined, QueuedWrite[]>();

  constructor(private readonly runAs: RunAs) {}

  /**
   * The entry as written.
   * @throws StaleWriteError, ValidationError or PostgreSQL's error for this entry alone: a row
   * PostgreSQL refuses fails only its own write.
   */
  write(input: StoreInput, expiresAt: Date | null): Promise<MemoryEntry> {
    return new Promise((resolve, reject) => {
      const tenant = input.tenantId;
      let queue = this.queues.get(tenant);
      if (!queue) this.queues.set(tenant, (queue = []));
      const write: QueuedWrite = {
        input,
        expiresAt,
        identity: identityText(input),
        bytes: (JSON.stringify(input.value) ?? '').length + (input.content?.length ?? 0) + 512,
        taken: false,
        resolve,
        reject,
      };
      queue.push(write);
      // This write's own turn: it ends only once the write is taken, so none is left behind.
      this.runAs(tenant, async (db) => {
        while (!write.taken) {
          const batch = this.take(tenant);
          if (batch.length === 0) throw new Error('a queued memory entry write went missing');
          await this.writeBatch(db, batch);
        }
      }).catch((error: unknown) => {
        if (write.taken) return;
        this.remove(tenant, write);
        reject(error);
      });
    });
  }

  /** The next statement's writes, oldest first, each identity once; sorted, so rows lock in one order. */
  private take(tenant: string | undefined): QueuedWrite[] {
    const queue = this.queues.get(tenant) ?? [];
    const batch: QueuedWrite[] = [];
    const identities = new Set<string>();
    let bytes = 0;
    const left: QueuedWrite[] = [];
    for (const write of queue) {
      const fits = batch.length === 0 || (batch.length < MAX_ROWS && bytes + write.bytes <= MAX_BYTES);
      if (!fits || identities.has(write.identity)) {
        left.push(write);
        continue;
      }
      write.taken = true;
      identities.add(write.identity);
      bytes += write.bytes;
      batch.push(write);
    }
    if (left.length > 0) this.queues.set(tenant, left);
    else this.queues.delete(tenant);
    return batch.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  }

  private remove(tenant: string | undefined, write: QueuedWrite): void {
    const queue = this.queues.get(tenant);
    if (!queue) return;
    const left = queue.filter((w) => w !== write);
    if (left.length > 0) this.queues.set(tenant, left);
    else this.queues.delete(tenant);
  }

  /** Writes `batch` and settles each of its writes; never throws. */
  private async writeBatch(db: Queryable, batch: QueuedWrite[]): Promise<void> {
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
}

async function settle(write: QueuedWrite, attempt: () => Promise<MemoryEntry>): Promise<void> {
  try {
    write.resolve(await attempt());
  } catch (error) {
    write.reject(error);
  }
}
