/** Memory activities, for workflows that read and write memory entries. */
import type { MemoryEntry, MemoryIdentity, MemorySearchHit, SearchMemoryInput, StoreMemoryInput } from '../memory';
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';

export function createMemoryActivities({ store }: ActivityDeps) {
  return {
    /** Upserts an entry; a retry of this activity never bumps the version twice. */
    async storeMemory(input: StoreMemoryInput): Promise<MemoryEntry> {
      return store.store({ ...input, writeId: input.writeId ?? activityWriteId() });
    },
    async retrieveMemory(input: MemoryIdentity): Promise<MemoryEntry | null> {
      return store.retrieve(input);
    },
    async searchMemory(input: SearchMemoryInput): Promise<MemorySearchHit[]> {
      return store.search(input);
    },
  };
}
