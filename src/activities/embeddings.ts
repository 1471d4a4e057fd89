/**
 * The embedding catch-up's activity: embeds the next batch of texts that have no current
 * embedding of the configured model, stores them and moves the cursor in one transaction. A
 * retried batch finds the rows it already wrote current and the cursor already moved, so it adds
 * nothing twice.
 */
import { Context } from '@temporalio/activity';
import type { EmbedBatchInput, EmbedBatchResult, Embedder } from '../contracts/embedding';
import type { MemoryStore } from '../memory';
import type { EmbeddingSource } from '../memory/embeddings';
import { encodeVector } from '../memory/search/vectors';
import type { ActivityDeps } from './deps';

/** A catch-up resumes this far behind its cursor: a write that committed late is still seen. */
const RESUME_OVERLAP_MS = 10_000;
/** Texts embedded between heartbeats: one request of a remote embedder at its default batch size. */
const HEARTBEAT_EVERY = 64;

async function embedSource(
  store: MemoryStore,
  embedder: Embedder,
  source: EmbeddingSource,
  input: EmbedBatchInput,
  heartbeat: (details: unknown) => void,
): Promise<{ embedded: number; caughtUp: boolean }> {
  const { model, dimensions } = embedder;
  const cursor = await store.embeddings.cursor({ source, model });
  const overlapMs = input.resume ? RESUME_OVERLAP_MS : 0;
  const pending = await store.embeddings.pending({ source, model, cursor, limit: input.limit, overlapMs });
  if (pending.length === 0) return { embedded: 0, caughtUp: true };
  const vectors: Float32Array[] = [];
  for (let i = 0; i < pending.length; i += HEARTBEAT_EVERY) {
    heartbeat({ source, embedded: i, pending: pending.length });
    vectors.push(...(await embedder.embed(pending.slice(i, i + HEARTBEAT_EVERY).map((p) => p.text))));
  }
  const last = pending[pending.length - 1]!;
  const embedded = await store.embeddings.save({
    source,
    model,
    dimensions,
    rows: pending.map((p, i) => ({ key: p.key, version: p.version, vector: encodeVector(vectors[i]!) })),
    cursor: { at: last.writtenAt, key: last.key },
  });
  return { embedded, caughtUp: pending.length < input.limit };
}

/**
 * Embeds up to `limit` pending entries and up to `limit` pending messages; `caughtUp` when fewer
 * of both were waiting. The catch-up activity and the benchmarks share it.
 */
export async function embedPendingBatch(
  store: MemoryStore,
  embedder: Embedder | undefined,
  input: EmbedBatchInput,
  heartbeat: (details: unknown) => void = () => {},
): Promise<EmbedBatchResult> {
  if (!embedder) return { model: null, entries: 0, messages: 0, caughtUp: true };
  const entries = await embedSource(store, embedder, 'entries', input, heartbeat);
  const messages = await embedSource(store, embedder, 'messages', input, heartbeat);
  return {
    model: embedder.model,
    entries: entries.embedded,
    messages: messages.embedded,
    caughtUp: entries.caughtUp && messages.caughtUp,
  };
}

export function createEmbeddingActivities({ store, embedder }: ActivityDeps) {
  return {
    /** One batch of the embedding catch-up (see {@link embedPendingBatch}). */
    async embedPending(input: EmbedBatchInput): Promise<EmbedBatchResult> {
      return embedPendingBatch(store, embedder, input, (details) => Context.current().heartbeat(details));
    },
  };
}
