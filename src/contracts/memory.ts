/**
 * Vocabularies and zod schemas of the memory store: every input is parsed by one of these before
 * it reaches SQL. The vocabularies mirror the CHECK constraints of `migrations/000001`.
 */
import { z } from 'zod';
import { parseInput } from './validate';
import { LIMITS, jsonObject, jsonValue, storable, text, time } from './limits';
import {
  LAYERS,
  MEMORY_TYPES,
  PRIORITIES,
  SCOPES,
  type Layer,
  type MemoryType,
  type Priority,
  type Scope,
} from './vocabulary';

export * from './vocabulary';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Default time to live per layer, ms; `null` never expires by time. `session` entries live until
 * their session ends (the session workflow expires them); `ephemeral` ones stay in-process.
 */
export const LAYER_TTL_MS: Readonly<Record<Layer, number | null>> = Object.freeze({
  ephemeral: 5 * 60 * 1000,
  session: null,
  short_term: 30 * DAY_MS,
  long_term: 365 * DAY_MS,
  permanent: null,
});

/** When an entry written now expires: `expiresAt` if given, else its layer's TTL (null: never). */
export function expiryFor(layer: Layer, expiresAt?: Date): Date | null {
  if (expiresAt) return expiresAt;
  const ttl = LAYER_TTL_MS[layer];
  return ttl === null ? null : new Date(Date.now() + ttl);
}

/** Owner and tenant ids: the same alphabet as workflow ids, so they can be part of one. */
export const ownerId = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'expected 1-128 letters, digits or ._:@-');

const owners = {
  tenantId: ownerId.optional(),
  userId: ownerId.optional(),
  sessionId: ownerId.optional(),
  agentId: ownerId.optional(),
};
type Owners = { tenantId?: string; userId?: string; sessionId?: string; agentId?: string };

/**
 * Which owner ids each scope requires and which it forbids, so an entry cannot claim a scope it
 * has no owner for: `global` is operator-written knowledge shared with every tenant, so it has no
 * tenant; `user` and `session` entries belong to a user or session of one tenant.
 */
export const SCOPE_OWNERS: Readonly<
  Record<Scope, { requires: readonly (keyof Owners)[]; forbids: readonly (keyof Owners)[] }>
> = Object.freeze({
  global: { requires: [], forbids: ['tenantId'] },
  tenant: { requires: ['tenantId'], forbids: [] },
  user: { requires: ['tenantId', 'userId'], forbids: [] },
  session: { requires: ['tenantId', 'sessionId'], forbids: [] },
  agent: { requires: ['agentId'], forbids: [] },
});

/** The rule of {@link SCOPE_OWNERS} as a zod refinement: each missing or forbidden owner is an issue on its field. */
export function requireScopeOwner(value: Owners & { scope: Scope }, ctx: z.RefinementCtx): void {
  const rule = SCOPE_OWNERS[value.scope];
  for (const owner of rule.requires) {
    if (!value[owner])
      ctx.addIssue({ code: 'custom', path: [owner], message: `required when scope is "${value.scope}"` });
  }
  for (const owner of rule.forbids) {
    if (value[owner] !== undefined)
      ctx.addIssue({ code: 'custom', path: [owner], message: `not allowed when scope is "${value.scope}"` });
  }
}

export const memoryKey = text(LIMITS.memoryKeyChars, 1);
const tag = text(LIMITS.tagChars, 1);

/** A memory entry to store (upsert by key, scope and owners). */
export const storeMemoryInputSchema = z
  .object({
    key: memoryKey,
    value: jsonValue(LIMITS.memoryValueBytes).default(null),
    title: text(LIMITS.memoryTitleChars).optional(),
    content: text(LIMITS.memoryContentChars).optional(),
    memoryType: z.enum(MEMORY_TYPES),
    layer: z.enum(LAYERS).default('short_term'),
    scope: z.enum(SCOPES).default('global'),
    priority: z.enum(PRIORITIES).default('medium'),
    // Stored as a 4-byte real, which holds no non-zero magnitude below about 1e-37.
    importance: z
      .number()
      .min(0)
      .max(1)
      .refine((x) => x === 0 || x >= 1e-37, 'expected 0, or a number from 1e-37 to 1 (stored as a 4-byte real)')
      .default(0.5),
    category: text(200).optional(),
    source: text(200).optional(),
    tags: z.array(tag).max(LIMITS.tags).default([]),
    ...owners,
    metadata: jsonObject(LIMITS.metadataBytes).default({}),
    /** Absolute expiry; overrides the layer's default TTL. */
    expiresAt: time().optional(),
    /** Rejects the write unless the stored entry is at this `syncVersion` (optimistic concurrency). */
    expectedVersion: z.number().int().positive().optional(),
    /** Idempotency key; a retry carrying the write id of the stored version is a no-op. */
    writeId: text(500, 1).optional(),
  })
  .superRefine(requireScopeOwner);
export type StoreMemoryInput = z.input<typeof storeMemoryInputSchema>;

/** Identity of one entry: key, scope and owners (the unique key of `memory_entries`). */
export const memoryIdentitySchema = z
  .object({ key: memoryKey, scope: z.enum(SCOPES).default('global'), ...owners })
  .superRefine(requireScopeOwner);
export type MemoryIdentity = z.input<typeof memoryIdentitySchema>;

/** Why an entry was archived, kept in `memory_archive.archive_reason`. */
export const archiveReason = text(200, 1).optional();

/** What a search looks in: memory entries, session messages, or both. */
export const SEARCH_SOURCES = Object.freeze(['entries', 'messages'] as const);
export type SearchSource = (typeof SEARCH_SOURCES)[number];

/**
 * How the query is read: `natural` (default) ranks entries holding any of its words (BM25) and
 * blends in semantic similarity when embeddings exist; `websearch` is PostgreSQL's
 * `websearch_to_tsquery` syntax (every word required, "phrases", -exclusions, or), lexical only.
 */
export const SEARCH_MODES = Object.freeze(['natural', 'websearch'] as const);
export type SearchMode = (typeof SEARCH_MODES)[number];

/** A search of memory entries and session messages. A search never crosses a tenant. */
export const searchMemoryInputSchema = z.object({
  /** What the caller wants to find, in its own words (or web-search syntax with `mode: 'websearch'`). */
  query: storable(z.string().trim().min(1).max(LIMITS.searchQueryChars)),
  /** @defaultValue `natural` */
  mode: z.enum(SEARCH_MODES).default('natural'),
  /** @defaultValue both */
  sources: z.array(z.enum(SEARCH_SOURCES)).min(1).default(['entries', 'messages']),
  /** The tenant searched; entries of other tenants are never returned. */
  tenantId: ownerId.optional(),
  /** Also return shared knowledge: entries of scope `global` (which have no tenant). @defaultValue true */
  includeShared: z.boolean().default(true),
  userId: ownerId.optional(),
  sessionId: ownerId.optional(),
  agentId: ownerId.optional(),
  layers: z.array(z.enum(LAYERS)).optional(),
  scopes: z.array(z.enum(SCOPES)).optional(),
  /** Messages count as `user_interaction` (role user), `ai_response` (assistant) or `agent_conversation` (others). */
  memoryTypes: z.array(z.enum(MEMORY_TYPES)).optional(),
  /** Entries must carry all of these tags (messages carry none, so a tag filter leaves them out). */
  tags: z.array(tag).max(LIMITS.tags).optional(),
  /** Written (entries: last updated) at or after / before. */
  since: time().optional(),
  until: time().optional(),
  includeExpired: z.boolean().default(false),
  /** Return each hit's score parts (lexical, semantic, fused, neighbours, blend). @defaultValue false */
  explain: z.boolean().default(false),
  limit: z.number().int().min(1).max(200).default(20),
});
export type SearchMemoryInput = z.input<typeof searchMemoryInputSchema>;

/**
 * Where a list page ends: the last entry's `updated_at` in UTC with its microseconds (which a JS
 * Date would round away, and so repeat or skip rows), and its id.
 */
export interface ListCursor {
  updatedAt: string;
  id: string;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The opaque text of a list cursor (base64url of JSON): callers hand it back, never read it. */
export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.id])).toString('base64url');
}

/** The cursor an opaque text stands for, or undefined when it is not one {@link encodeListCursor} made. */
export function decodeListCursor(text: string): ListCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [updatedAt, id] = value as unknown[];
    if (typeof updatedAt !== 'string' || !CURSOR_TIME.test(updatedAt) || Number.isNaN(Date.parse(updatedAt)))
      return undefined;
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    return { updatedAt, id };
  } catch {
    return undefined;
  }
}

/** An opaque list cursor (the `nextCursor` of the page before), parsed into its keyset. */
export const listCursor = z
  .string()
  .max(200)
  .transform((text, ctx) => {
    const cursor = decodeListCursor(text);
    if (!cursor)
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API answered (pass next_cursor back as is)' });
    return cursor ?? z.NEVER;
  });

/** A list of entries: newest first, keyset-paginated by (`updatedAt`, `id`). */
export const listMemoryInputSchema = z.object({
  /** The tenant listed; without it, only entries of no tenant (global and system entries). */
  tenantId: ownerId.optional(),
  /** Operator only: without `tenantId`, list every tenant's entries. @defaultValue false */
  allTenants: z.boolean().default(false),
  userId: ownerId.optional(),
  sessionId: ownerId.optional(),
  agentId: ownerId.optional(),
  layer: z.enum(LAYERS).optional(),
  memoryType: z.enum(MEMORY_TYPES).optional(),
  scope: z.enum(SCOPES).optional(),
  /** Entries must carry all of these tags. */
  tags: z.array(tag).max(LIMITS.tags).optional(),
  keyPrefix: text(LIMITS.memoryKeyChars).optional(),
  includeExpired: z.boolean().default(false),
  before: time().optional(),
  /** Continue after this page's end: the `nextCursor` of the page before. */
  cursor: listCursor.optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});
export type ListMemoryInput = z.input<typeof listMemoryInputSchema>;

/** Input of the memory stats: one tenant's counts, or (without) the operator's totals. */
export const statsInputSchema = z.object({ tenantId: ownerId.optional() });

/** A stored memory entry, camelCased. */
export interface MemoryEntry {
  id: string;
  key: string;
  value: unknown;
  title: string | null;
  content: string | null;
  memoryType: MemoryType;
  layer: Layer;
  scope: Scope;
  priority: Priority;
  importance: number;
  category: string | null;
  source: string | null;
  tags: string[];
  tenantId: string | null;
  userId: string | null;
  sessionId: string | null;
  agentId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  accessCount: number;
  lastAccessedAt: Date | null;
  syncVersion: number;
  archivedAt: Date | null;
}

/** A session message as search returns it: where it is (session and seq) and what it says. */
export interface SearchedMessage {
  tenantId: string;
  sessionId: string;
  seq: number;
  role: string;
  agentId: string | null;
  content: string;
  createdAt: Date;
}

/**
 * Why a hit ranks where it does (with `explain: true`). Scores are in [0, 1] relative to the
 * query's best candidates; `rank` = `fused` × the importance, recency and access factors.
 */
export interface SearchExplanation {
  /** BM25 score and its share after normalisation by the best lexical candidate. */
  lexical?: { bm25: number; normalised: number; position: number };
  /** Cosine similarity of the embeddings and its share after min-max normalisation. */
  semantic?: { cosine: number; normalised: number; position: number; model: string };
  /** Weighted sum of the normalised parts. */
  fused: number;
  /** What the hit got from its conversational neighbours (the turns up to two before and after it). */
  neighbours: number;
  /** Factors of the final blend: importance, recency (30-day half weight), access frequency. */
  importance: number;
  recency: number;
  access: number;
}

/** A search hit (higher `rank` is better): a memory entry, or a session message. */
export type MemorySearchHit =
  | { kind: 'entry'; entry: MemoryEntry; rank: number; explain?: SearchExplanation }
  | { kind: 'message'; message: SearchedMessage; rank: number; explain?: SearchExplanation };

/** Counts of the memory stats: entries by layer, priority and type, sessions, accesses, cache. */
export interface MemoryStats {
  entries: number;
  archived: number;
  expired: number;
  byLayer: Record<string, number>;
  byPriority: Record<string, number>;
  byType: Record<string, number>;
  tenants: number;
  activeSessions: number;
  totalAccesses: number;
  cache: { size: number; hits: number; misses: number };
}

/**
 * Parsers of the entry inputs, for an edge (and for code that builds an entry): each checks its
 * input and fills in the defaults the memory store relies on.
 * @throws ValidationError naming the bad field.
 */
export const memoryInput = Object.freeze({
  store: (input: StoreMemoryInput) => parseInput(storeMemoryInputSchema, input, 'memory entry'),
  identity: (input: MemoryIdentity) => parseInput(memoryIdentitySchema, input, 'memory identity'),
  search: (input: SearchMemoryInput) => parseInput(searchMemoryInputSchema, input, 'memory search'),
  list: (input: ListMemoryInput = {}) => parseInput(listMemoryInputSchema, input, 'memory list'),
});
