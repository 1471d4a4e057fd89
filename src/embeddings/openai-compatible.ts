/**
 * A client of the OpenAI-compatible embeddings API, `POST <url>/embeddings` with
 * `{ model, input: [...] }` answered by `{ data: [{ index, embedding }] }`: OpenAI, Ollama,
 * vLLM, text-embeddings-inference and LM Studio all serve it (OpenAI API reference,
 * "Embeddings"). Texts go in batches; each request has a timeout; network errors, 429 and 5xx
 * are retried with exponential backoff, other answers are permanent errors naming the status.
 */
import { backOff } from 'exponential-backoff';
import type { Embedder } from '../contracts/embedding';

/** Settings of {@link createOpenAiCompatibleEmbedder}. */
export interface OpenAiCompatibleOptions {
  /** Base URL of the API, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  url: string;
  model: string;
  /** Sizes of the vectors the model returns (checked on every answer). */
  dimensions: number;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Texts per request. @defaultValue 64 */
  batchSize?: number;
  /** ms one request may take. @defaultValue 30000 */
  timeoutMs?: number;
  /** Attempts per batch, the first included. @defaultValue 4 */
  maxAttempts?: number;
}

/** A failed answer; `retryable` for 408, 429 and 5xx. */
export class EmbeddingRequestError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EmbeddingRequestError';
  }
}

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: unknown }[];
}

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d]! /= norm;
  return v;
}

function parseVectors(body: EmbeddingsResponse, count: number, dimensions: number): Float32Array[] {
  const data = body.data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbeddingRequestError(
      `expected ${count} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`,
      false,
    );
  }
  const vectors: Float32Array[] = new Array(count);
  data.forEach((item, i) => {
    const index = typeof item.index === 'number' ? item.index : i;
    const embedding = item.embedding;
    if (
      !Array.isArray(embedding) ||
      embedding.length !== dimensions ||
      !embedding.every((x) => typeof x === 'number')
    ) {
      throw new EmbeddingRequestError(`embedding ${index}: expected ${dimensions} numbers`, false);
    }
    if (index < 0 || index >= count) throw new EmbeddingRequestError(`embedding index ${index} out of range`, false);
    vectors[index] = unit(embedding as number[]);
  });
  return vectors;
}

/**
 * An {@link Embedder} over an OpenAI-compatible endpoint; its model name is
 * `openai-compatible:<model>:<dimensions>`.
 */
export function createOpenAiCompatibleEmbedder(options: OpenAiCompatibleOptions): Embedder {
  const endpoint = `${options.url.replace(/\/+$/, '')}/embeddings`;
  const batchSize = options.batchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  async function request(input: string[]): Promise<Float32Array[]> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: options.model, input }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new EmbeddingRequestError(`embeddings request to ${endpoint} failed: ${(error as Error).message}`, true);
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw new EmbeddingRequestError(`embeddings endpoint answered HTTP ${response.status}: ${text}`, retryable);
    }
    return parseVectors((await response.json()) as EmbeddingsResponse, input.length, options.dimensions);
  }

  return {
    model: `openai-compatible:${options.model}:${options.dimensions}`,
    dimensions: options.dimensions,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        out.push(
          ...(await backOff(() => request(batch), {
            numOfAttempts: options.maxAttempts ?? 4,
            startingDelay: 200,
            maxDelay: 5_000,
            jitter: 'full',
            retry: (error: unknown) => error instanceof EmbeddingRequestError && error.retryable,
          })),
        );
      }
      return out;
    },
  };
}
