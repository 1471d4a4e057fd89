/**
 * The embedder a configuration names: the local model, an OpenAI-compatible endpoint, or none.
 * Every process that searches or embeds builds its own from the same configuration, so the query
 * and the stored texts are embedded by the same model.
 */
import type { Embedder } from '../contracts/embedding';
import { createLocalEmbedder } from './local';
import { createOpenAiCompatibleEmbedder } from './openai-compatible';

/** The embeddings slice of the configuration (`BRAINOPS_EMBEDDINGS*`). */
export interface EmbeddingSettings {
  provider: 'local' | 'openai-compatible' | 'off';
  url?: string;
  model?: string;
  dimensions?: number;
  apiKey?: string;
  batchSize: number;
  /** ms per request. */
  timeoutMs: number;
}

/**
 * The configured embedder, or undefined when embeddings are off.
 * @param cacheDir where the local model prepares its word vectors on first use.
 */
export function createEmbedder(
  settings: EmbeddingSettings,
  cacheDir: string,
  onProgress?: (line: string) => void,
): Embedder | undefined {
  if (settings.provider === 'off') return undefined;
  if (settings.provider === 'local') return createLocalEmbedder(cacheDir, onProgress);
  return createOpenAiCompatibleEmbedder({
    url: settings.url!,
    model: settings.model!,
    dimensions: settings.dimensions!,
    apiKey: settings.apiKey,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutMs,
  });
}
