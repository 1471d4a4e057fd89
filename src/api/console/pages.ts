/**
 * What the web console's pages show, as the console operations (`api.console`) answer it: one
 * shape per page, built from the memory store's rows and the live state of workflows. The console
 * renders these shapes only. Who looks is a {@link Viewer}: the caller of a console sign-in — a
 * tenant's key sees its tenant only (under row-level security), the operator (an operator key)
 * sees every tenant and may act.
 */
import type { ApiKeyRecord } from '../../contracts/api';
import type { DeploymentRow } from '../../contracts/deployment';
import type { BackupRecord } from '../../contracts/database-guardian';
import type { ErrorLearningStatus } from '../../contracts/error-learning-messages';
import type { Solution } from '../../contracts/knowledge';
import type { Layer, MemoryEntry, MemoryType, Scope } from '../../contracts/memory';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import type {
  CapabilitySeries,
  ConsoleAction,
  EntryCounts,
  EntryCursor,
  EntryListRow,
  EntryVersion,
  HealthRow,
  InsightRow,
  MinuteCount,
  OpenEscalation,
  OrchestrationRow,
  ProcedureRunRow,
  SessionCursor,
  SessionListRow,
  SignatureEvent,
  SignaturePattern,
  TimelineItem,
  WeekFigures,
} from '../../memory/console';
import type { Caller } from '../caller';

export type { EntryCounts, HealthRow, InsightRow, MinuteCount, OpenEscalation, EntryListRow, EntryVersion };
export type { SessionListRow, TimelineItem, SignatureEvent, SignaturePattern, CapabilitySeries, WeekFigures };
export type { OrchestrationRow, ProcedureRunRow, Solution, EntryCursor, SessionCursor, ConsoleAction };

/** Who is looking: the key a console session signed in with, and the caller it makes. */
export interface Viewer {
  /** What the console's operations are called as. */
  caller: Caller;
  keyId: string;
  /** Who, as people read it in records: the key's prefix and name. */
  actor: string;
  /** The tenant whose data this viewer sees; null for the operator (every tenant). */
  tenantId: string | null;
  /** The key's role (`operator` for an operator key). */
  role: ApiKeyRecord['role'];
  /** The operator: sees every tenant and the operator's pages, and may act. */
  operator: boolean;
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

/** A search from the memory page (run by `api.memory.search`). */
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
  events: SignatureEvent[];
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
