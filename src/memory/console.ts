/**
 * The web console's repository (`store.console`): what its pages read beyond the other
 * repositories — the overview's figures, memory and session pages, error patterns, learning
 * figures, procedure runs, orchestrations and migration runs — and its own tables (sign-in
 * sessions, the record of what people did). The SQL lives in the `console-*.ts` modules; here each
 * read runs on the connection the one tenancy rule chooses (`Connections.run`): a tenant's view
 * under that tenant's row-level security, the operator's on the owner's pool (every tenant, or
 * one it names). Operator tables (sign-ins, actions, the access log, layer changes, the knowledge
 * base, procedures) are read on the owner's pool, only for what a page is allowed to show.
 */
import type { Connections, Queryable } from './connections';
import * as auth from './console-auth';
import * as entries from './console-entries';
import * as errors from './console-errors';
import * as learning from './console-learning';
import * as ops from './console-operations';
import * as overview from './console-overview';
import * as sessions from './console-session-reads';

/**
 * Whom a console read is for: a tenant (its rows only, under its row-level security), or the
 * operator (the owner's pool), optionally narrowed to one tenant (`tenantId`; null: every tenant).
 */
export type ConsoleView = { operator: false; tenantId: string } | { operator: true; tenantId: string | null };

/** The console's reads and its own tables over `db`. */
export function consoleRepository(db: Connections) {
  const owner = db.operator;
  /** Runs `work` as `view` sees the database. */
  const as = <T>(view: ConsoleView, work: (q: Queryable) => Promise<T>) =>
    db.run(view.operator ? undefined : view.tenantId, work);
  return {
    /** Opens a sign-in session for a verified key; returns the session id (the only time it is available). */
    openSession: (s: { keyId: string; ttlMs: number }) => auth.openConsoleSession(owner, s.keyId, s.ttlMs),
    /** The live session of an id (not expired, its key not revoked), or null. */
    readSession: (s: { id: string }) => auth.readConsoleSession(owner, s.id),
    closeSession: (s: { id: string }) => auth.closeConsoleSession(owner, s.id),
    /** Deletes up to 1000 expired sessions; returns how many. */
    pruneSessions: () => auth.pruneConsoleSessions(owner),
    /** The prefix and name of a key, or null. */
    keyNames: (k: { keyId: string }) => auth.keyNames(owner, k.keyId),
    recordAction: (a: auth.ConsoleAction) => auth.recordConsoleAction(owner, a),
    /** Actions on these subjects (workflow ids), newest first. */
    listActions: (q: { subjects: string[]; limit: number }) => auth.listConsoleActions(owner, q.subjects, q.limit),

    /** Latest health per target; only `targets` when given (what a tenant sees: the shared ones). */
    healthTargets: (q: { targets?: readonly string[] }) => overview.healthTargets(owner, q.targets),
    /** Memory by layer, scope and type, counted (callers cache it). */
    entryCounts: (view: ConsoleView) => as(view, (q) => overview.entryCounts(q, view.tenantId)),
    /** The planner's estimate of the number of memory entries. */
    entryRowEstimate: () => overview.entryRowEstimate(owner),
    /** Memory by layer, scope and type from the planner's statistics (no scan). */
    entryCountEstimate: () => overview.entryCountEstimate(owner),
    activeSessions: (view: ConsoleView, q: { limit: number }) =>
      as(view, (c) => overview.activeSessions(c, view.tenantId, q.limit)),
    writesPerMinute: (view: ConsoleView, q: { minutes: number }) =>
      as(view, (c) => overview.writesPerMinute(c, view.tenantId, q.minutes)),
    /** Searches per minute from the access log (an operator table), of the view's tenant. */
    searchesPerMinute: (view: ConsoleView, q: { minutes: number }) =>
      overview.searchesPerMinute(owner, view.tenantId, q.minutes),
    openEscalations: (view: ConsoleView, q: { limit: number }) =>
      as(view, (c) => overview.openEscalations(c, view.tenantId, q.limit)),
    /** The newest insights (shared entries every tenant reads). */
    newestInsights: (q: { limit: number }) => overview.newestInsights(owner, q.limit),

    /** A keyset page of entries, newest first (`noTenant`: the operator's entries of no tenant). */
    browseEntries: (view: ConsoleView, q: Omit<entries.EntryBrowse, 'tenantId'>) =>
      as(view, (c) => entries.browseEntries(c, { ...q, tenantId: view.tenantId })),
    /**
     * One entry the view may see (a tenant: its own and shared ones, as row-level security
     * decides) with its value digest, earlier versions, archived incarnations and layer changes;
     * null when there is none.
     */
    entryPage: async (view: ConsoleView, q: { id: string }) => {
      const found = await as(view, async (c) => {
        const entry = await entries.entryById(c, q.id);
        if (!entry) return null;
        // One after the other: on a tenant's connection, statements cannot overlap.
        const current = await entries.currentValueDigest(c, q.id);
        const versions = await entries.entryVersions(c, q.id, 50);
        const archived = await entries.archivedIncarnations(c, entry.key, entry.tenantId, 10);
        return { entry, current, versions, archived };
      });
      if (!found) return null;
      // Layer changes are an operator table, read for an entry the view was just allowed to see.
      return { ...found, layerChanges: await entries.entryLayerChanges(owner, q.id) };
    },

    browseSessions: (
      view: ConsoleView,
      q: { status?: 'active' | 'ended'; after?: sessions.SessionCursor; limit: number },
    ) => as(view, (c) => sessions.browseSessions(c, { ...q, tenantId: view.tenantId })),
    /** One session and its timeline (`limit` moments before `before`), or null. */
    sessionPage: (view: ConsoleView, q: { tenantId: string; sessionId: string; before?: Date; limit: number }) =>
      as(view, async (c) => {
        const session = await sessions.sessionById(c, q.tenantId, q.sessionId);
        if (!session) return null;
        return { session, timeline: await sessions.sessionTimeline(c, q) };
      }),

    signaturePatterns: (view: ConsoleView, q: { since: Date; bucket: 'hour' | 'day'; limit: number }) =>
      as(view, (c) => errors.signaturePatterns(c, { ...q, tenantId: view.tenantId })),
    /** A signature's latest events and how its errors were resolved, or null events when the view has none. */
    signature: (view: ConsoleView, q: { signature: string; limit: number }) =>
      as(view, async (c) => ({
        events: await errors.signatureEvents(c, { ...q, tenantId: view.tenantId }),
        resolution: await errors.signatureResolution(c, { signature: q.signature, tenantId: view.tenantId }),
      })),
    /** Solutions of these signatures (the knowledge base is tenant-free: read for those only). */
    solutionsFor: (q: { signatures: string[] }) => errors.solutionsFor(owner, q.signatures),
    /** The id of an escalated error event of a signature (any tenant), or null. */
    escalatedEvent: (q: { signature: string }) => errors.escalatedEvent(owner, q.signature),

    /** Agent records per capability (the operator's). */
    capabilityRecords: (q: { since: Date; bucket: 'hour' | 'day'; limit: number }) =>
      learning.capabilityRecords(owner, q),
    weeklyImprovement: (view: ConsoleView, q: { weeks: number }) =>
      as(view, (c) => learning.weeklyImprovement(c, { ...q, tenantId: view.tenantId })),
    latestCycleRuns: () => learning.latestCycleRuns(owner),

    procedureRuns: (q: { status?: ops.ProcedureRunRow['status']; limit: number }) => ops.procedureRuns(owner, q),
    procedureRun: (q: { workflowId: string }) => ops.procedureRun(owner, q.workflowId),
    recentOrchestrations: (q: { limit: number }) => ops.recentOrchestrations(owner, q.limit),
    migrationRuns: (q: { limit: number }) => ops.migrationRuns(owner, q.limit),
  };
}

export type ConsoleRepository = ReturnType<typeof consoleRepository>;
export type { ConsoleAction, ConsoleSessionRecord } from './console-auth';
export type { EntryCursor, EntryListRow, EntryVersion } from './console-entries';
export type { SignatureEvent, SignaturePattern } from './console-errors';
export type { CapabilitySeries, WeekFigures } from './console-learning';
export type { OrchestrationRow, ProcedureRunRow } from './console-operations';
export type { EntryCounts, HealthRow, InsightRow, MinuteCount, OpenEscalation } from './console-overview';
export type { SessionCursor, SessionListRow, TimelineItem } from './console-session-reads';
