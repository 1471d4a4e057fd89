/**
 * The console's reads every key may make, of what it may see: the overview, memory entries (a
 * keyset page, one entry with its history) and sessions (a page, one session's timeline). Each
 * runs as the caller sees the database (`store.console`: a tenant under its row-level security, the
 * operator across tenants). Figures that would cost a scan on every view (memory counts, activity
 * per minute) are cached for a few seconds; the operator's memory counts over a large table are
 * the planner's estimates. Searching is `api.memory.search` (the console asks it with `explain`).
 */
import { z } from 'zod';
import type { BrainOpsConfig } from '../../../temporal.config';
import { LIMITS } from '../../contracts/limits';
import { LAYERS, MEMORY_TYPES, ownerId, SCOPES } from '../../contracts/memory';
import type { MemoryStore } from '../../memory';
import { notFound } from '../errors';
import { operation } from '../operation';
import { Figures, viewedTenant, viewKey, viewOf } from './context';
import type { MemoryEntryPage, OverviewPage, SessionPage } from './pages';

/** Above this many rows (the planner's estimate), the operator's memory counts are estimated. */
export const EXACT_COUNT_LIMIT = 200_000;
/** How long memory counts are reused, ms. */
const COUNTS_MAX_AGE_MS = 60_000;
/** How long per-minute activity is reused, ms. */
const ACTIVITY_MAX_AGE_MS = 10_000;
/** Rows of a list page; moments of a session page. */
const PAGE = 50;
const TIMELINE = 200;

const browseInput = z.strictObject({
  tenantId: viewedTenant,
  /** The operator's: entries of no tenant. */
  noTenant: z.boolean().default(false),
  layer: z.enum(LAYERS).optional(),
  scope: z.enum(SCOPES).optional(),
  memoryType: z.enum(MEMORY_TYPES).optional(),
  keyPrefix: z.string().max(LIMITS.memoryKeyChars).optional(),
  after: z.strictObject({ updatedAt: z.date(), id: z.uuid() }).optional(),
});
const sessionsInput = z.strictObject({
  tenantId: viewedTenant,
  status: z.enum(['active', 'ended']).optional(),
  after: z.strictObject({ lastActivityAt: z.date(), tenantId: ownerId, sessionId: ownerId }).optional(),
});

/** The console's reads of the overview, memory and sessions. */
export function consoleReads(store: () => Promise<MemoryStore>, config: BrainOpsConfig) {
  const figures = new Figures();

  return {
    overview: operation({
      name: 'console.overview',
      summary: 'Health, memory counts, active sessions, activity, escalations and insights',
      subject: 'overview',
      what: 'reading the overview',
      input: z.strictObject({ tenantId: viewedTenant }),
      access: 'reader',
      run: async (caller, input): Promise<OverviewPage> => {
        const view = viewOf(caller, input.tenantId);
        const repo = (await store()).console;
        const counts = figures.get(`counts/${viewKey(view)}`, COUNTS_MAX_AGE_MS, async () => {
          const estimated =
            view.operator && view.tenantId === null && (await repo.entryRowEstimate()) > EXACT_COUNT_LIMIT;
          return {
            ...(estimated ? await repo.entryCountEstimate() : await repo.entryCounts(view)),
            countedAt: new Date(),
          };
        });
        const activity = figures.get(`activity/${viewKey(view)}`, ACTIVITY_MAX_AGE_MS, async () => ({
          writes: await repo.writesPerMinute(view, { minutes: 60 }),
          searches: await repo.searchesPerMinute(view, { minutes: 60 }),
        }));
        const [health, c, active, a, escalations, insights] = await Promise.all([
          // A tenant sees the shared targets only (`BRAINOPS_SHARED_STATUS`, as in its brief).
          repo.healthTargets({ targets: view.operator ? undefined : config.sharedStatus }),
          counts,
          repo.activeSessions(view, { limit: 8 }),
          activity,
          repo.openEscalations(view, { limit: 10 }),
          repo.newestInsights({ limit: 8 }),
        ]);
        return {
          health,
          counts: c,
          activeSessions: active,
          writesPerMinute: a.writes,
          searchesPerMinute: a.searches,
          escalations,
          insights,
        };
      },
    }),

    browseMemory: operation({
      name: 'console.memory.browse',
      summary: 'A page of memory entries, newest first',
      subject: 'memory browse',
      what: 'browsing memory',
      input: browseInput,
      access: 'reader',
      run: async (caller, { tenantId, noTenant, ...filters }) => {
        const view = viewOf(caller, tenantId);
        const none = view.operator && view.tenantId === null && noTenant;
        return (await store()).console.browseEntries(view, { ...filters, noTenant: none, limit: PAGE });
      },
    }),

    memoryEntry: operation({
      name: 'console.memory.entry',
      summary: 'One memory entry with its versions, layer changes and archived incarnations',
      subject: 'memory entry',
      what: 'reading memory',
      input: z.strictObject({ tenantId: viewedTenant, id: z.uuid() }),
      access: 'reader',
      /** @throws ApiError `not_found` for an entry the caller may not see (another tenant's too). */
      run: async (caller, { tenantId, id }): Promise<MemoryEntryPage> => {
        const found = await (await store()).console.entryPage(viewOf(caller, tenantId), { id });
        if (!found) throw notFound(`no memory entry ${id} that this key may see`);
        return found;
      },
    }),

    sessions: operation({
      name: 'console.sessions',
      summary: 'A page of sessions, most recently active first',
      subject: 'sessions list',
      what: 'listing sessions',
      input: sessionsInput,
      access: 'reader',
      run: async (caller, { tenantId, ...filters }) =>
        (await store()).console.browseSessions(viewOf(caller, tenantId), { ...filters, limit: PAGE }),
    }),

    session: operation({
      name: 'console.session',
      summary: 'One session and its timeline',
      subject: 'session',
      what: 'reading a session',
      input: z.strictObject({ tenantId: ownerId, sessionId: ownerId, before: z.date().optional() }),
      access: 'reader',
      /** @throws ApiError `not_found` for a session the caller may not see. */
      run: async (caller, q): Promise<SessionPage> => {
        const found = await (
          await store()
        ).console.sessionPage(viewOf(caller, q.tenantId), {
          ...q,
          limit: TIMELINE + 1,
        });
        if (!found) throw notFound(`no session ${q.tenantId} / ${q.sessionId} that this key may see`);
        const earlier = found.timeline.length > TIMELINE;
        return { ...found, timeline: earlier ? found.timeline.slice(1) : found.timeline, earlier };
      },
    }),
  };
}
