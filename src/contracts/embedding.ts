/**
 * Embeddings: what a provider of text embeddings offers (a local model or an OpenAI-compatible
 * `/v1/embeddings` endpoint), as the memory store, the activities and the clients see it.
 */

/** Turns texts into unit-length vectors of `dimensions` numbers; one vector per text, in order. */
export interface Embedder {
  /** Names the model and its settings: embeddings of different models are never compared. */
  readonly model: string;
  readonly dimensions: number;
  /**
   * Embeds a batch of texts.
   * @throws Error when the provider cannot be reached or answers badly (the caller retries).
   */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Input of the `embedPending` activity. */
export interface EmbedBatchInput {
  /** Texts per batch and source. */
  limit: number;
  /** The first batch of a run: look a little behind the saved cursor for late commits. */
  resume?: boolean;
}

/** What one batch did. */
export interface EmbedBatchResult {
  /** The model embedded with; null when embeddings are off. */
  model: string | null;
  entries: number;
  messages: number;
  /** Fewer texts were waiting than the batch could take. */
  caughtUp: boolean;
}

/** Input of `embeddingCatchUpWorkflow`. */
export interface EmbeddingCatchUpInput {
  /** How long a run goes on (ms); the schedule starts the next one. @defaultValue 55000 */
  maxRunMs?: number;
  /** Texts per batch. @defaultValue 256 */
  batchSize?: number;
  /** Pause when nothing is waiting (ms). @defaultValue 2000 */
  idleMs?: number;
  /** Run until everything is embedded instead (a re-embedding after a model change). */
  untilCaughtUp?: boolean;
  /** How soon a lost worker is noticed (ms); more than one embeddings request may take. @defaultValue 45000 */
  heartbeatTimeoutMs?: number;
}

/** What a catch-up run did. */
export interface EmbeddingCatchUpResult {
  model: string | null;
  entries: number;
  messages: number;
  batches: number;
  caughtUp: boolean;
}
