/**
 * Memory operations: store, retrieve, search, list, delete and stats of memory entries. A tenant's key
 * acts in its tenant (an entry's scope defaults to `tenant`); only the operator writes `global`
 * entries, the knowledge every tenant reads, and reads the totals of every tenant.
 */
import { z } from 'zod';
import {
  encodeListCursor,
  LAYERS,
  listMemoryInputSchema,
  memoryIdentitySchema,
  requireScopeOwner,
  SCOPES,
  searchMemoryInputSchema,
  statsInputSchema,
  storeMemoryInputSchema,
  type MemoryEntry,
  type MemorySearchHit,
} from '../contracts/memory';
import type { MemoryStore } from '../memory';
import { notFound } from './errors';
import { operation } from './operation';

/** A tenant's entry is the tenant's unless it names another scope; a `global` one has no tenant. */
function entryScope(caller: { tenantId: string }, raw: Record<string, unknown>) {
  const scope = raw.scope ?? 'tenant';
  return { ...raw, scope, ...(scope === 'global' ? {} : { tenantId: caller.tenantId }) };
}

/** The memory type of an entry stored without one (the HTTP API's contract sends none). */
export const DEFAULT_MEMORY_TYPE = 'knowledge';

/** The scope of an entry named without one: the key's tenant, or shared knowledge for the operator. */
const scopeDefault = <T extends z.ZodType>(scope: T): T =>
  scope.describe('default: `tenant` with a tenant’s key, `global` with an operator key');

export const storeInput = z
  .strictObject({
    ...storeMemoryInputSchema.shape,
    memoryType: storeMemoryInputSchema.shape.memoryType.default(DEFAULT_MEMORY_TYPE),
    scope: scopeDefault(storeMemoryInputSchema.shape.scope),
  })
  .superRefine(requireScopeOwner);
export const retrieveInput = z
  .strictObject({ ...memoryIdentitySchema.shape, scope: scopeDefault(memoryIdentitySchema.shape.scope) })
  .superRefine(requireScopeOwner);
/** One value or several: the contract's `layer` and `scope` filters take either. */
const oneOrMore = <T extends readonly [string, ...string[]]>(values: T) => {
  const one = z.enum(values);
  return z.union([one, z.array(one).min(1)]);
};

const { layers: _layers, scopes: _scopes, ...searchShape } = searchMemoryInputSchema.shape;
export const searchInput = z.strictObject({
  ...searchShape,
  /** Only entries of this layer (or of these layers). */
  layer: oneOrMore(LAYERS).optional(),
  /** Only entries of this scope (or of these scopes). */
  scope: oneOrMore(SCOPES).optional(),
});

const asList = <T>(value: T | T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/** A hit as the API answers it: the entry's (or message's) fields beside its kind, rank and explanation. */
function flatHit(hit: MemorySearchHit) {
  const { kind, rank, explain } = hit;
  return { kind, rank, ...(hit.kind === 'entry' ? hit.entry : hit.message), ...(explain ? { explain } : {}) };
}
const { before: _before, ...listShape } = listMemoryInputSchema.shape;
/** A page of entries: the list's filters, `cursor` (the last page's `nextCursor`) and a `limit` of at most 200. */
export const listInput = z.strictObject({
  ...listShape,
  limit: z.number().int().min(1).max(200).default(50),
});
/** The identity of the entry to delete, as retrieve takes it. */
export const deleteInput = retrieveInput;
export const statsInput = z.strictObject({
  ...statsInputSchema.shape,
  /** The totals of every tenant (the operator's only). */
  all: z.boolean().default(false),
});

/** The memory operations over `store`. */
export function memoryOperations(store: () => Promise<MemoryStore>) {
  return {
    store: operation({
      name: 'memory.store',
      summary: 'Store (upsert) a memory entry',
      subject: 'memory entry',
      what: 'storing memory',
      input: storeInput,
      scope: entryScope,
      // Shared knowledge is the operator's: a tenant's admin manages its own tenant only.
      access: (entry) => (entry.scope === 'global' ? 'operator' : 'writer'),
      run: async (_caller, entry): Promise<MemoryEntry> => (await store()).entries.store(entry),
      answer: (entry) => ({
        success: true as const,
        entryId: entry.id,
        key: entry.key,
        layer: entry.layer,
        scope: entry.scope,
        syncVersion: entry.syncVersion,
        expiresAt: entry.expiresAt,
      }),
    }),

    retrieve: operation({
      name: 'memory.retrieve',
      summary: 'Read one memory entry by key, scope and owners',
      subject: 'memory identity',
      what: 'reading memory',
      input: retrieveInput,
      scope: entryScope,
      access: 'reader',
      /**
       * The entry, and whether the process cache served it.
       * @throws ApiError `not_found` when there is no live entry (also another tenant's).
       */
      run: async (_caller, identity): Promise<{ entry: MemoryEntry; cacheHit: boolean }> => {
        const entries = (await store()).entries;
        const before = entries.cacheCounters().hits;
        const pending = entries.retrieve(identity);
        // `retrieve` consults the cache before its first await, so the counter has moved by now on a hit.
        const cacheHit = entries.cacheCounters().hits > before;
        const entry = await pending;
        if (!entry) throw notFound(`no live memory entry "${identity.key}" in scope ${identity.scope}`);
        return { entry, cacheHit };
      },
      answer: ({ entry }) => ({ success: true as const, ...entry }),
    }),

    search: operation({
      name: 'memory.search',
      summary: 'Search memory entries and session messages in natural language',
      subject: 'memory search',
      what: 'searching memory',
      input: searchInput,
      access: 'reader',
      run: async (_caller, { layer, scope, ...input }): Promise<{ query: string; hits: MemorySearchHit[] }> => ({
        query: input.query,
        hits: await (
          await store()
        ).entries.search({
          ...input,
          layers: asList(layer) as MemorySearchHit['kind'] extends never
            ? never
            : (typeof LAYERS)[number][] | undefined,
          scopes: asList(scope),
        }),
      }),
      answer: ({ query, hits }) => ({
        success: true as const,
        query,
        resultCount: hits.length,
        results: hits.map(flatHit),
      }),
    }),

    list: operation({
      name: 'memory.list',
      summary: 'List memory entries, newest first, a page at a time',
      subject: 'memory list',
      what: 'listing memory',
      input: listInput,
      access: (input) => (input.allTenants ? 'operator' : 'reader'),
      run: async (_caller, input) => {
        const page = await (await store()).entries.page(input);
        return { entries: page.entries, nextCursor: page.nextCursor ? encodeListCursor(page.nextCursor) : null };
      },
      /** `nextCursor` is null on the last page; otherwise pass it back as `cursor` for the next one. */
      answer: (page) => ({ success: true as const, ...page }),
    }),

    delete: operation({
      name: 'memory.delete',
      summary: 'Delete (forget) one memory entry by key, scope and owners',
      subject: 'memory identity',
      what: 'deleting memory',
      input: deleteInput,
      scope: entryScope,
      // As for store: shared knowledge is the operator's.
      access: (identity) => (identity.scope === 'global' ? 'operator' : 'writer'),
      /** Whether there was an entry (live, expired or archived) to delete; deleting nothing is no error. */
      run: async (_caller, identity): Promise<{ deleted: boolean }> => ({
        deleted: await (await store()).entries.delete(identity),
      }),
      answer: ({ deleted }) => ({ success: true as const, deleted }),
    }),

    stats: operation({
      name: 'memory.stats',
      summary: 'Counts of memory: by layer, priority and type; sessions; accesses',
      subject: 'memory stats',
      what: 'reading stats',
      input: statsInput,
      scope: (caller, raw) => (raw.all === true ? raw : { ...raw, tenantId: caller.tenantId }),
      access: (input) => (input.all ? 'operator' : 'reader'),
      run: async (_caller, input) =>
        (await store()).entries.stats({ tenantId: input.all ? undefined : input.tenantId }),
      answer: (stats) => ({ success: true as const, stats }),
    }),
  };
}
