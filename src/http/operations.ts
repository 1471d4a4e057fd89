/**
 * The operations the HTTP routes and the MCP tools offer, one definition for both. Each takes the
 * caller's principal (from its API key) and a parsed body; the tenant is always the key's. Roles:
 * `reader` reads, `writer` also writes its tenant's memory and sessions, `admin` also writes
 * `global` entries and runs operator actions. Another tenant's ids are simply not found (404).
 */
import { memoryInput } from '../contracts/memory';
import type { ApiPrincipal } from '../contracts/api';
import type { MemoryEntry, MemoryStore } from '../memory';
import type { BrainOpsClient } from '../client/brainops-client';
import { briefToMarkdown } from '../client/brief';
import { errorSignature, normaliseMessage } from '../domain/error-signature';
import type { SessionContext } from '../contracts/session';
import { requireRole } from './auth';
import { forbidden, notFound } from './errors';
import type { AccessLog } from './access-log';
import type {
  AddSolutionBody,
  AddTaskBody,
  CompleteTaskBody,
  EndBody,
  ErrorReportBody,
  HandoffBody,
  MessageBody,
  RetrieveBody,
  SearchBody,
  SessionStartBody,
  SolutionLookupBody,
  StoreBody,
} from './schemas';

/** Solutions at least this similar to the error are offered (error-learning applies them from 0.5). */
const LOOKUP_MIN_SIMILARITY = 0.3;

/** An entry's owners as the key's tenant sees them: `global` entries have no tenant. */
function tenantFor(principal: ApiPrincipal, scope: string): string | undefined {
  return scope === 'global' ? undefined : principal.tenantId;
}

function sessionSummary(context: SessionContext, workflowId: string) {
  // A session queried the moment it starts has not read its row yet: it starts now.
  const startedAt = context.startedAt || new Date().toISOString();
  const last = context.conversation.recentMessages.at(-1)?.createdAt ?? startedAt;
  return {
    success: true as const,
    sessionId: context.sessionId,
    tenantId: context.tenantId,
    userId: context.userId ?? null,
    status: context.status,
    startTime: startedAt,
    lastActivity: last,
    messageCount: context.conversation.messageCount,
    taskCount: context.tasks.pending.length + context.tasks.completed.length,
    activeAgents: context.agents.active,
    workflowId,
  };
}

export class MemoryApi {
  constructor(
    private readonly client: BrainOpsClient,
    readonly store: MemoryStore,
    private readonly accessLog?: AccessLog,
  ) {}

  /** Stores (upserts) an entry of the key's tenant; `global` entries only with an admin key. */
  async storeEntry(p: ApiPrincipal, body: StoreBody) {
    if (body.scope === 'global') requireRole(p, 'admin', 'writing a global entry');
    else requireRole(p, 'writer', 'storing memory');
    const entry = await this.store.entries.store(memoryInput.store({ ...body, tenantId: tenantFor(p, body.scope) }));
    return {
      success: true as const,
      entryId: entry.id,
      key: entry.key,
      layer: entry.layer,
      scope: entry.scope,
      syncVersion: entry.syncVersion,
      expiresAt: entry.expiresAt,
    };
  }

  /**
   * One entry by its identity, within the key's tenant (or a `global` one).
   * @returns the entry and whether the process cache served it.
   * @throws ApiError 404 when there is none.
   */
  async retrieveEntry(p: ApiPrincipal, body: RetrieveBody): Promise<{ entry: MemoryEntry; cacheHit: boolean }> {
    requireRole(p, 'reader', 'reading memory');
    const before = this.store.entries.cacheCounters().hits;
    const pending = this.store.entries.retrieve(memoryInput.identity({ ...body, tenantId: tenantFor(p, body.scope) }));
    // `retrieve` consults the cache before its first await, so the counter has moved by now on a hit.
    const cacheHit = this.store.entries.cacheCounters().hits > before;
    const entry = await pending;
    if (!entry) throw notFound(`no live memory entry "${body.key}" in scope ${body.scope}`);
    return { entry, cacheHit };
  }

  async search(p: ApiPrincipal, body: SearchBody) {
    requireRole(p, 'reader', 'searching memory');
    const results = await this.store.entries.search(memoryInput.search({ ...body, tenantId: p.tenantId }));
    return { success: true as const, query: body.query, resultCount: results.length, results };
  }

  /** The tenant's counts; `all` (admin only) the operator's totals. */
  async stats(p: ApiPrincipal, all = false) {
    requireRole(p, all ? 'admin' : 'reader', all ? 'the totals of every tenant' : 'reading stats');
    return { success: true as const, stats: await this.store.entries.stats(all ? {} : { tenantId: p.tenantId }) };
  }

  async startSession(p: ApiPrincipal, body: SessionStartBody) {
    requireRole(p, 'writer', 'starting a session');
    const ref = { tenantId: p.tenantId, sessionId: body.sessionId };
    const { workflowId } = await this.client.startSession({ ...body, ...ref });
    return sessionSummary(await this.client.sessionContext(ref), workflowId);
  }

  /**
   * Resumes a session the tenant started before (running, or ended: it continues).
   * @throws 404 when the tenant never started it.
   */
  async resumeSession(p: ApiPrincipal, sessionId: string) {
    requireRole(p, 'writer', 'resuming a session');
    const ref = { tenantId: p.tenantId, sessionId };
    const previous = await this.client.sessionContext(ref);
    const { workflowId } = await this.client.startSession({ ...ref, userId: previous.userId });
    return sessionSummary(await this.client.sessionContext(ref), workflowId);
  }

  async message(p: ApiPrincipal, body: MessageBody) {
    requireRole(p, 'writer', 'adding a message');
    const { sessionId, ...message } = body;
    const result = await this.client.sendMessage({ tenantId: p.tenantId, sessionId }, message);
    return { success: true as const, sessionId, ...result };
  }

  async handoff(p: ApiPrincipal, body: HandoffBody) {
    requireRole(p, 'writer', 'handing a session off');
    const { sessionId, ...input } = body;
    return { success: true as const, ...(await this.client.handoff({ tenantId: p.tenantId, sessionId }, input)) };
  }

  async endSession(p: ApiPrincipal, body: EndBody) {
    requireRole(p, 'writer', 'ending a session');
    const { sessionId, ...input } = body;
    const snapshot = await this.client.endSession({ tenantId: p.tenantId, sessionId }, input);
    return { success: true as const, sessionId, snapshot };
  }

  async sessionContext(p: ApiPrincipal, sessionId: string) {
    requireRole(p, 'reader', 'reading a session');
    return { success: true as const, context: await this.client.sessionContext({ tenantId: p.tenantId, sessionId }) };
  }

  async addTask(p: ApiPrincipal, body: AddTaskBody) {
    requireRole(p, 'writer', 'adding a task');
    const { sessionId, ...task } = body;
    return { success: true as const, task: await this.client.addTask({ tenantId: p.tenantId, sessionId }, task) };
  }

  async completeTask(p: ApiPrincipal, body: CompleteTaskBody) {
    requireRole(p, 'writer', 'completing a task');
    const { sessionId, ...input } = body;
    return {
      success: true as const,
      task: await this.client.completeTask({ tenantId: p.tenantId, sessionId }, input),
    };
  }

  /** Seed 000's session-start brief of the key's tenant: last context, open tasks, system status, recent errors. */
  async brief(p: ApiPrincipal) {
    requireRole(p, 'reader', 'reading the brief');
    return { success: true as const, brief: await this.client.brief(p.tenantId) };
  }

  async briefMarkdown(p: ApiPrincipal): Promise<string> {
    return briefToMarkdown((await this.brief(p)).brief);
  }

  /** What `brainops errors report` does: the error is recorded for the key's tenant and handed to error-learning. */
  async reportError(p: ApiPrincipal, body: ErrorReportBody) {
    requireRole(p, 'writer', 'reporting an error');
    return { success: true as const, ...(await this.client.reportError({ ...body, tenantId: p.tenantId })) };
  }

  /** "What fixed this before?": knowledge-base solutions for an error like this one, most similar first. */
  async lookupSolutions(p: ApiPrincipal, body: SolutionLookupBody) {
    requireRole(p, 'reader', 'looking up solutions');
    const signature = errorSignature(body.errorType, body.message, body.stack);
    const solutions = await this.store.knowledge.findSimilarSolutions({
      signature,
      message: normaliseMessage(body.message),
      minSimilarity: LOOKUP_MIN_SIMILARITY,
      limit: body.limit,
    });
    return { success: true as const, signature, solutions };
  }

  /** Operator action: teaches a fix (a solution naming a registered remediation). */
  async addSolution(p: ApiPrincipal, body: AddSolutionBody) {
    requireRole(p, 'admin', 'teaching a solution');
    return { success: true as const, solution: await this.client.addSolution(body) };
  }

  /** Operator action: runs SystemMonitor over the configured targets now. */
  async runMonitor(p: ApiPrincipal) {
    requireRole(p, 'admin', 'running the system monitor');
    return { success: true as const, result: await this.client.runMonitor() };
  }

  /** Request metrics of the tenant's keys in this process (admin). */
  metrics(p: ApiPrincipal) {
    requireRole(p, 'admin', 'reading API metrics');
    if (!this.accessLog) throw forbidden('this server keeps no metrics');
    return { success: true as const, keys: this.accessLog.metricsOf(p.tenantId) };
  }
}
