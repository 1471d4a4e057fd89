/** Memory activities, for workflows that read and write memory entries. */
import { memoryInput } from '../contracts/memory';
import type { MemoryEntry, MemoryIdentity, MemorySearchHit, SearchMemoryInput, StoreMemoryInput } from '../memory';
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';

export function createMemoryActivities({ store }: ActivityDeps) {
  return {
    /** Upserts an entry; a retry of this activity never bumps the version twice. */
    async storeMemory(input: StoreMemoryInput): Promise<MemoryEntry> {
      return store.entries.store(memoryInput.store({ ...input, writeId: input.writeId ?? activityWriteId() }));
    },
    async retrieveMemory(input: MemoryIdentity): Promise<MemoryEntry | null> {
      return store.entries.retrieve(memoryInput.identity(input));
    },
    async searchMemory(input: SearchMemoryInput): Promise<MemorySearchHit[]> {
      return store.entries.search(memoryInput.search(input));
    },
  };
}
