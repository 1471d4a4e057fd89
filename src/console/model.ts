/**
 * What the web console needs, as one narrow interface ({@link ConsoleDataSource}): sign-in
 * sessions, a read for each page, and the actions a person may take (approve or skip a procedure
 * step, answer an escalation). The pages are built from these shapes only, so the console can be
 * pointed at any implementation — today's over the memory store's SQL and the Temporal client
 * (`store-data-source.ts`), or the shared operations layer. Who looks is a {@link Viewer}: a
 * tenant's key sees its tenant only (under row-level security), the operator sees every tenant.
 */
import type { ApiRole } from '../contracts/api';
import type { MemoryEntry, MemorySearchHit, Layer, MemoryType, Scope } from '../contracts/memory';
import type { BackupRecord } from '../contracts/guardian';
import type { DeploymentRow } from '../contracts/deployment';
import type { ProcedureStatus } from '../contracts/procedure-messages';
import type { ErrorLearningStatus } from '../contracts/error-learning-messages';
import type { EntryCounts, HealthRow, InsightRow, MinuteCount, OpenEscalation } from '../memory/console-overview';
import type { EntryCursor, EntryListRow, EntryVersion } from '../memory/console-entries';
import type { SessionCursor, SessionListRow, TimelineItem } from '../memory/console-session-reads';
import type { SignaturePattern } from '../memory/console-errors';
import type { CapabilitySeries, WeekFigures } from '../memory/console-learning';
import type { OrchestrationRow, ProcedureRunRow } from '../memory/console-operations';
import type { Solution } from '../memory/knowledge-base';
import type { ConsoleAction } from '../memory/console-auth';

export type { EntryCounts, HealthRow, InsightRow, MinuteCount, OpenEscalation, EntryListRow, EntryVersion };
export type { SessionListRow, TimelineItem, SignaturePattern, CapabilitySeries, WeekFigures };
export type { OrchestrationRow, ProcedureRunRow, Solution, EntryCursor, SessionCursor };

/** Who is looking: the key a console session signed in with. */
export interface Viewer {
  keyId: string;
  /** Who, as people read it in records: the key's prefix and name. */
  actor: string;
  /** The tenant whose data this viewer sees; null for the operator (every tenant). */
  tenantId: string | null;
  /** The tenant the key belongs to. */
  keyTenantId: string;
  role: ApiRole;
  /** Sees every tenant and the operator's pages, and may act. */
  operator: boolean;
}

/** A refusal the pages show as such (the kinds of the shared operations layer's errors). */
export class ConsoleError extends Error {
  constructor(
    readonly kind: 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

export interface OverviewPage {
  health: HealthRow[];
  counts: EntryCounts & { countedAt: Date };
  activeSessions: {
    count: number;
    recent: {
      tenantId: string;
      sessionId: string;
      agentId: string | null;
      lastActivityAt: Date;
      messageCount: number;
      workflowId: string;
    }[];
  };
  writesPerMinute: MinuteCount[];
  searchesPerMinute: MinuteCount[];
  escalations: OpenEscalation[];
  insights: InsightRow[];
}

/** Filters of the entries page (a tenant's own entries; the operator may pick a tenant or none). */
export interface MemoryBrowseQuery {
  tenantId?: string;
  noTenant?: boolean;
  layer?: Layer;
  scope?: Scope;
  memoryType?: MemoryType;
  keyPrefix?: string;
  after?: EntryCursor;
}

export interface MemorySearchQuery {
  query: string;
  /** The operator picks the tenant searched (none: entries of no tenant). */
  tenantId?: string;
  sessionId?: string;
  mode: 'natural' | 'websearch';
}

export interface MemoryEntryPage {
  entry: MemoryEntry & { lastWriteId: string | null };
  current: { valueBytes: number; valueSha256: string } | null;
  versions: EntryVersion[];
  layerChanges: { fromLayer: string; toLayer: string; reason: string; changedAt: Date }[];
  archived: { id: string; scope: string; archivedAt: Date; reason: string; syncVersion: number }[];
}

export interface SessionPage {
  session: SessionListRow & { contextSnapshot: unknown; metadata: unknown };
  timeline: TimelineItem[];
  /** Whether earlier moments exist before the first one shown. */
  earlier: boolean;
}

export interface ErrorsPage {
  days: number;
  patterns: SignaturePattern[];
  solutions: Solution[];
  escalations: OpenEscalation[];
}

export interface SignaturePage {
  signature: string;
  workflowId: string;
  events: Awaited<ReturnType<typeof import('../memory/console-errors').signatureEvents>>;
  resolution: { resolved: number; medianMs: number | null; p95Ms: number | null; autoResolved: number };
  solutions: Solution[];
  /** The error-learning run's live status, when it still runs (the operator's view). */
  learning: ErrorLearningStatus | null;
  actions: (ConsoleAction & { at: Date })[];
  /** Registered remediations a person may name when resolving. */
  remediations: string[];
}

export interface LearningPage {
  insights: InsightRow[];
  /** Agent records per capability (the operator's view; empty for a tenant). */
  capabilities: CapabilitySeries[];
  weeks: WeekFigures[];
  cycles: { cycle: string; windowEnd: Date; completedAt: Date; workflowId: string | null; durationMs: number | null }[];
}

export interface ProceduresPage {
  runs: ProcedureRunRow[];
  /** Running runs that wait for a person (blocked, or at an approval step), with their live status. */
  waiting: { run: ProcedureRunRow; status: ProcedureStatus }[];
  compliance: {
    procedure: string;
    version: number;
    rate: number | null;
    ran: number;
    failed: number;
    skipped: number;
    blocked: number;
    warned: number;
  }[];
  orchestrations: OrchestrationRow[];
}

export interface ProcedureRunPage {
  run: ProcedureRunRow;
  status: ProcedureStatus | null;
  events: { stepId: string; event: string; approvedBy: string | null; reason: string | null; at: Date }[];
  actions: (ConsoleAction & { at: Date })[];
}

export interface OperationsPage {
  deployments: DeploymentRow[];
  backups: BackupRecord[];
  findings: InsightRow[];
  migrations: {
    id: number;
    databaseName: string;
    applied: string[];
    failed: string | null;
    error: string | null;
    workflowId: string | null;
    startedAt: Date;
  }[];
}

/** A person's answer to an escalation. */
export type EscalationAnswer =
  { kind: 'resolve'; action: string; description?: string } | { kind: 'retry' } | { kind: 'ignore'; reason?: string };

/**
 * Everything the console reads and does. Reads return what the viewer may see (another tenant's
 * objects are simply not found); operator pages and actions throw {@link ConsoleError} `forbidden`
 * for a tenant's viewer.
 */
export interface ConsoleDataSource {
  /** Signs in with an API key; null when the key is unknown or revoked. */
  signIn(apiKey: string): Promise<{ sessionId: string; viewer: Viewer } | null>;
  /** The viewer of a live session, or null (expired, signed out, key revoked). */
  viewer(sessionId: string): Promise<Viewer | null>;
  signOut(sessionId: string): Promise<void>;

  overview(v: Viewer): Promise<OverviewPage>;
  searchMemory(v: Viewer, q: MemorySearchQuery): Promise<MemorySearchHit[]>;
  browseMemory(v: Viewer, q: MemoryBrowseQuery): Promise<{ rows: EntryListRow[]; more: boolean }>;
  memoryEntry(v: Viewer, id: string): Promise<MemoryEntryPage | null>;
  sessions(
    v: Viewer,
    q: { tenantId?: string; status?: 'active' | 'ended'; after?: SessionCursor },
  ): Promise<{ rows: SessionListRow[]; more: boolean }>;
  session(v: Viewer, tenantId: string, sessionId: string, before?: Date): Promise<SessionPage | null>;
  errors(v: Viewer, q: { days: number }): Promise<ErrorsPage>;
  errorSignature(v: Viewer, signature: string): Promise<SignaturePage | null>;
  learning(v: Viewer): Promise<LearningPage>;
  procedures(v: Viewer): Promise<ProceduresPage>;
  procedureRun(v: Viewer, workflowId: string): Promise<ProcedureRunPage | null>;
  operations(v: Viewer): Promise<OperationsPage>;

  approveStep(v: Viewer, workflowId: string, reason: string): Promise<ProcedureStatus>;
  skipStep(v: Viewer, workflowId: string, stepId: string, reason: string): Promise<ProcedureStatus>;
  answerEscalation(v: Viewer, signature: string, answer: EscalationAnswer): Promise<void>;
}
