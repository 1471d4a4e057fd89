/**
 * Search over memory entries and session messages. A natural-language query gathers two candidate
 * lists, lexical (BM25 over the words) and semantic (cosine over embeddings, when an embedder is
 * configured and the tenant's texts are embedded), blends them, lets each hit share part of its
 * score with the turns around it, and weighs the result by importance, recency and access
 * frequency. A search never leaves its tenant; filters apply to every list.
 */
import { LRUCache } from 'lru-cache';
import type { Embedder } from '../../contracts/embedding';
import type { MemorySearchHit } from '../../contracts/memory';
import { fuse, type Scored } from '../../domain/search-fusion';
import { Conditions } from '../conditions';
import type { Queryable } from '../entries';
import { ENTRY_KEY_SQL, MESSAGE_KEY_SQL, messagesSearchable, narrowsTenant, type SearchInput } from './filters';
import {
  bm25,
  ENTRY_SOURCE,
  entryStats,
  EXACT_UP_TO,
  lexemeFrequencies,
  MESSAGE_SOURCE,
  messageStats,
  websearch,
  type CollectionStats,
  type QueryTerm,
} from './lexical';
import { VectorIndex, type VectorSet, type VectorSource } from './vectors';
import { MAX_FREQUENCY, rankExactly, type ExactSource } from './exact';
import { readHits } from './hits';
import { wordLexemes } from './terms';

const SOURCES = { entries: ENTRY_SOURCE, messages: MESSAGE_SOURCE } as const;
const TABLES = { entries: 'memory_entries', messages: 'session_messages' } as const;

/** How long collection statistics are reused: a minute, ten for a collection past exact ranking. */
const STATS_TTL_MS = 60_000;
const LARGE_STATS_TTL_MS = 600_000;
/**
 * Candidates each list contributes before fusion: 50, or the search's limit when larger. Deeper
 * lists cost more rows to read and, on the LoCoMo conversations, found less: the weak tail of
 * each list mostly lent its neighbours scores they did not deserve.
 */
const MIN_CANDIDATES = 50;
const candidates = (input: SearchInput) => Math.max(MIN_CANDIDATES, input.limit);
/** Semantic candidates are pre-filtered in SQL when filters narrow the tenant; at most this many ids. */
const MAX_ALLOWED = 200_000;

/** What {@link Searcher} needs: the database, and the embedder with its vector cache when configured. */
export interface SearcherOptions {
  db: Queryable;
  embedder?: Embedder;
  /** Vectors the in-process cache holds at most. @defaultValue 2,000,000 */
  maxCachedVectors?: number;
  /** Share scores with neighbouring turns (benchmarks measure without). @defaultValue true */
  neighbours?: boolean;
  /** Expand the query with the words of its best lexical hits. @defaultValue true */
  feedback?: boolean;
  /** Called with each stage's duration (ms) as it ends; stages of the two lists overlap in time. */
  trace?: (stage: SearchStage, ms: number) => void;
}

/** The stages a search's time is reported in by {@link SearcherOptions.trace}. */
export type SearchStage =
  | 'stats'
  | 'bm25'
  | 'lexemes'
  | 'bm25-large'
  | 'lexical'
  | 'embed'
  | 'vectors'
  | 'nearest'
  | 'semantic'
  | 'rows'
  | 'total';

/**
 * Runs `work` with the connection the returned rows are read from: a tenant's search reads them
 * under row-level security, so only rows the tenant may see can become hits.
 */
export type RowReader = <T>(work: (db: Queryable) => Promise<T>) => Promise<T>;

/** Runs searches; keeps the collection statistics (for a minute) and the vector cache between them. */
export class Searcher {
  readonly vectors: VectorIndex | undefined;
  private readonly stats = new LRUCache<string, CollectionStats>({ max: 10_000, ttl: STATS_TTL_MS });
  /** Shares of documents holding the frequent lexemes, per table, from the planner's statistics. */
  private readonly frequencies = new LRUCache<string, Map<string, number>>({ max: 2, ttl: 600_000 });
  /** The lexemes of each table too frequent to add to a query, from the same statistics. */
  private readonly frequentWords = new LRUCache<string, string[]>({ max: 2, ttl: 600_000 });

  constructor(private readonly options: SearcherOptions) {
    const { embedder } = options;
    this.vectors = embedder
      ? new VectorIndex(options.db, embedder.model, embedder.dimensions, options.maxCachedVectors)
      : undefined;
  }

  /**
   * The hits for an already parsed search input, best first; their rows are read through
   * `readRows` when given. The two candidate lists are gathered side by side; the rows are read
   * once both are in, so a tenant connection is held only while it is used.
   */
  async search(input: SearchInput, readRows?: RowReader): Promise<MemorySearchHit[]> {
    return this.timed('total', async () => {
      const withEntries = input.sources.includes('entries');
      const withMessages = messagesSearchable(input);
      const [lexical, semantic] = await Promise.all([
        this.timed('lexical', () => this.lexical(input, withEntries, withMessages)),
        input.mode === 'natural'
          ? this.timed('semantic', () => this.semantic(input, withEntries, withMessages))
          : Promise.resolve([]),
      ]);
      const candidates = fuse(lexical, semantic);
      const reader: RowReader = readRows ?? (<T>(work: (db: Queryable) => Promise<T>) => work(this.options.db));
      return this.timed('rows', () =>
        reader((db) =>
          readHits(db, input, candidates, withMessages, {
            neighbours: input.mode === 'natural' && this.options.neighbours !== false,
            model: this.vectors?.model,
          }),
        ),
      );
    });
  }

  /** Runs `work`, reporting its duration to the trace when there is one. */
  private async timed<T>(stage: SearchStage, work: () => Promise<T>): Promise<T> {
    const { trace } = this.options;
    if (!trace) return work();
    const started = performance.now();
    try {
      return await work();
    } finally {
      trace(stage, performance.now() - started);
    }
  }

  private async collection(source: VectorSource, tenantId: string | null): Promise<CollectionStats> {
    const id = `${source}\u0000${tenantId ?? ''}`;
    const known = this.stats.get(id);
    if (known) return known;
    const { db } = this.options;
    const stats = source === 'entries' ? await entryStats(db, tenantId) : await messageStats(db, tenantId!);
    // Counting a large collection reads all of it, and its size and mean length barely move in minutes.
    this.stats.set(id, stats, { ttl: stats.documents > EXACT_UP_TO ? LARGE_STATS_TTL_MS : STATS_TTL_MS });
    return stats;
  }

  private async termsOf(lexemes: string[], table: 'memory_entries' | 'session_messages'): Promise<QueryTerm[]> {
    let known = this.frequencies.get(table);
    if (!known) {
      known = await lexemeFrequencies(this.options.db, table);
      this.frequencies.set(table, known);
    }
    const frequencies = known;
    return [...new Set(lexemes)].map((lexeme) => ({ lexeme, frequency: frequencies.get(lexeme) ?? 0 }));
  }

  private async lexical(input: SearchInput, withEntries: boolean, withMessages: boolean): Promise<Scored> {
    const { db } = this.options;
    if (input.mode === 'websearch') {
      const lists = await Promise.all([
        withEntries ? websearch(db, ENTRY_SOURCE, input, candidates(input)) : [],
        withMessages ? websearch(db, MESSAGE_SOURCE, input, candidates(input)) : [],
      ]);
      return lists
        .flat()
        .sort((a, b) => b.score - a.score)
        .slice(0, candidates(input));
    }
    const tenant = input.tenantId ?? null;
    const sources = (['entries', 'messages'] as const).filter((source) =>
      source === 'entries' ? withEntries : withMessages,
    );
    const stats = await this.timed('stats', () =>
      Promise.all(sources.map((source) => this.collection(source, tenant))),
    );
    const exact: ExactSource[] = [];
    const large: { source: VectorSource; stats: CollectionStats }[] = [];
    for (const [i, source] of sources.entries()) {
      const s = stats[i]!;
      if (s.documents === 0 && !(source === 'entries' && input.includeShared)) continue;
      if (s.documents > EXACT_UP_TO) large.push({ source, stats: s });
      else exact.push({ source: SOURCES[source], stats: s, frequent: await this.frequent(TABLES[source]) });
    }
    const lists = await Promise.all([
      // Each source in a statement of its own, on a connection of its own: they run side by side.
      ...exact.map((source) =>
        this.timed('bm25', () => rankExactly(db, input, [source], candidates(input), this.options.feedback !== false)),
      ),
      ...large.map(({ source, stats: s }) => this.rankLarge(input, source, s)),
    ]);
    return lists
      .flat()
      .sort((a, b) => b.score - a.score)
      .slice(0, candidates(input));
  }

  /**
   * A collection past exact ranking: its query words (with their one-word forms as words of their
   * own), then BM25 from the documents of the most selective ones (no feedback, no phrase forms:
   * this is already the slow case).
   */
  private async rankLarge(input: SearchInput, source: VectorSource, stats: CollectionStats): Promise<Scored> {
    const { db } = this.options;
    const lexemes = await this.timed('lexemes', () => wordLexemes(db, input.query));
    const terms = await this.termsOf(lexemes, TABLES[source]);
    return this.timed('bm25-large', () => bm25(db, SOURCES[source], input, stats, terms, candidates(input)));
  }

  /** The lexemes of `table` too frequent to add to a query (see `MAX_FREQUENCY`). */
  private async frequent(table: 'memory_entries' | 'session_messages'): Promise<string[]> {
    const known = this.frequentWords.get(table);
    if (known) return known;
    await this.termsOf([], table);
    const frequencies = this.frequencies.get(table) ?? new Map<string, number>();
    const frequent = [...frequencies].filter(([, share]) => share > MAX_FREQUENCY).map(([lexeme]) => lexeme);
    this.frequentWords.set(table, frequent);
    return frequent;
  }

  private async semantic(input: SearchInput, withEntries: boolean, withMessages: boolean): Promise<Scored> {
    const { embedder } = this.options;
    if (!embedder || !this.vectors) return [];
    const [query] = await this.timed('embed', () => embedder.embed([input.query]));
    if (!query) return [];
    const tenant = input.tenantId ?? null;
    const sets: VectorSet[] = [];
    if (withEntries) {
      sets.push({ source: 'entries', tenantId: tenant });
      if (tenant !== null && input.includeShared) sets.push({ source: 'entries', tenantId: null });
    }
    if (withMessages) sets.push({ source: 'messages', tenantId: tenant });
    const [all, allowed] = await Promise.all([
      this.timed('vectors', () => this.vectors!.vectorsOf(sets)),
      narrowsTenant(input)
        ? Promise.all([...new Set(sets.map((s) => s.source))].map((source) => this.allowedKeys(source, input)))
        : undefined,
    ]);
    const keys = allowed && new Set(allowed.flatMap((set) => [...set]));
    return this.timed('nearest', async () =>
      all
        .flatMap((vectors) => VectorIndex.nearest(vectors, query, candidates(input), keys))
        .sort((a, b) => b.score - a.score)
        .slice(0, candidates(input)),
    );
  }

  /** Keys of the documents the filters let through, for pre-filtering semantic candidates. */
  private async allowedKeys(source: VectorSource, input: SearchInput): Promise<Set<string>> {
    const where = new Conditions();
    const spec = source === 'entries' ? ENTRY_SOURCE : MESSAGE_SOURCE;
    spec.filter(where, input);
    const limit = where.param(MAX_ALLOWED);
    const rows = await this.options.db.query<{ key: string }>(
      `select ${source === 'entries' ? ENTRY_KEY_SQL : MESSAGE_KEY_SQL} as key from ${spec.from(input)} where ${where.sql} limit ${limit}`,
      where.params,
    );
    return new Set(rows.rows.map((r) => r.key));
  }
}
