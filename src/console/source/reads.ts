/**
 * The console's tenant-facing reads over today's pieces: the overview, memory (search, browse,
 * one entry with its history) and sessions (list, one session's timeline). Each runs as the viewer
 * sees the database (`SourceContext.asViewer`): a tenant under its row-level security, the operator
 * across tenants. Figures that would cost a scan on every view (memory counts, per-minute activity)
 * are cached for a few seconds; counts over a large table for the operator are the planner's
 * estimates.
 */
import type { MemorySearchHit } from '../../contracts/memory';
import * as overview from '../../memory/console-overview';
import * as entries from '../../memory/console-entries';
import * as sessions from '../../memory/console-session-reads';
import type {
  MemoryBrowseQuery,
  MemoryEntryPage,
  MemorySearchQuery,
  OverviewPage,
  SessionCursor,
  SessionPage,
  Viewer,
} from '../model';
import type { SourceContext } from './context';

/** Above this many rows (the planner's estimate), the operator's memory counts are estimated. */
export const EXACT_COUNT_LIMIT = 200_000;
/** How long memory counts are reused, ms. */
const COUNTS_MAX_AGE_MS = 60_000;
/** How long per-minute activity is reused, ms. */
const ACTIVITY_MAX_AGE_MS = 10_000;
const PAGE = 50;
const TIMELINE = 200;

/** The key figures are cached under: the viewer's tenant, or the operator's view. */
const scopeKey = (v: Viewer) => (v.tenantId === null ? '*' : `t:${v.tenantId}`);

export class ConsoleReads {
  constructor(private readonly ctx: SourceContext) {}

  private counts(v: Viewer): Promise<OverviewPage['counts']> {
    return this.ctx.cached(`counts/${scopeKey(v)}`, COUNTS_MAX_AGE_MS, async () => {
      if (v.tenantId === null && (await overview.entryRowEstimate(this.ctx.pool)) > EXACT_COUNT_LIMIT)
        return { ...(await overview.entryCountEstimate(this.ctx.pool)), countedAt: new Date() };
      const counts = await this.ctx.asViewer(v, (db) => overview.entryCounts(db, v.tenantId));
      return { ...counts, countedAt: new Date() };
    });
  }

  async overview(v: Viewer): Promise<OverviewPage> {
    const shared = v.operator ? undefined : this.ctx.deps.config.sharedStatus;
    const [health, counts, active, activity, escalations, insights] = await Promise.all([
      overview.healthTargets(this.ctx.pool, shared),
      this.counts(v),
      this.ctx.asViewer(v, (db) => overview.activeSessions(db, v.tenantId, 8)),
      this.ctx.cached(`activity/${scopeKey(v)}`, ACTIVITY_MAX_AGE_MS, async () => ({
        writes: await this.ctx.asViewer(v, (db) => overview.writesPerMinute(db, v.tenantId, 60)),
        searches: await overview.searchesPerMinute(this.ctx.pool, v.tenantId, 60),
      })),
      this.ctx.asViewer(v, (db) => overview.openEscalations(db, v.tenantId, 10)),
      overview.newestInsights(this.ctx.pool, 8),
    ]);
    return {
      health,
      counts,
      activeSessions: active,
      writesPerMinute: activity.writes,
      searchesPerMinute: activity.searches,
      escalations,
      insights,
    };
  }

  /** The hybrid search with `explain`: a tenant in its own memory, the operator in the tenant it names. */
  searchMemory(v: Viewer, q: MemorySearchQuery): Promise<MemorySearchHit[]> {
    const tenantId = v.tenantId ?? q.tenantId;
    return this.ctx.deps.store.search({
      query: q.query,
      mode: q.mode,
      tenantId,
      sessionId: q.sessionId,
      explain: true,
      limit: 25,
    });
  }

  browseMemory(v: Viewer, q: MemoryBrowseQuery) {
    const tenantId = v.tenantId ?? q.tenantId ?? null;
    return this.ctx.asViewer(v, (db) =>
      entries.browseEntries(db, {
        tenantId,
        noTenant: v.operator && !q.tenantId && q.noTenant,
        layer: q.layer,
        scope: q.scope,
        memoryType: q.memoryType,
        keyPrefix: q.keyPrefix,
        after: q.after,
        limit: PAGE,
      }),
    );
  }

  async memoryEntry(v: Viewer, id: string): Promise<MemoryEntryPage | null> {
    const found = await this.ctx.asViewer(v, async (db) => {
      const entry = await entries.entryById(db, id);
      // A tenant sees its own entries and shared (global) ones: row-level security decides.
      if (!entry) return null;
      // One after the other: on a tenant's connection, statements cannot overlap.
      const current = await entries.currentValueDigest(db, id);
      const versions = await entries.entryVersions(db, id, 50);
      const archived = await entries.archivedIncarnations(db, entry.key, entry.tenantId, 10);
      return { entry, current, versions, archived };
    });
    if (!found) return null;
    // Layer changes are an operator table, read for an entry the viewer was just shown.
    const layerChanges = await entries.entryLayerChanges(this.ctx.pool, id);
    return { ...found, layerChanges };
  }

  sessions(v: Viewer, q: { tenantId?: string; status?: 'active' | 'ended'; after?: SessionCursor }) {
    const tenantId = v.tenantId ?? q.tenantId ?? null;
    return this.ctx.asViewer(v, (db) =>
      sessions.browseSessions(db, { tenantId, status: q.status, after: q.after, limit: PAGE }),
    );
  }

  async session(v: Viewer, tenantId: string, sessionId: string, before?: Date): Promise<SessionPage | null> {
    if (v.tenantId !== null && v.tenantId !== tenantId) return null;
    return this.ctx.asViewer(v, async (db) => {
      const session = await sessions.sessionById(db, tenantId, sessionId);
      if (!session) return null;
      const timeline = await sessions.sessionTimeline(db, { tenantId, sessionId, before, limit: TIMELINE + 1 });
      const earlier = timeline.length > TIMELINE;
      return { session, timeline: earlier ? timeline.slice(1) : timeline, earlier };
    });
  }
}
