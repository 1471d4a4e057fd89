/**
 * Request and response schemas of the HTTP API (and of the MCP tools), built from the zod schemas
 * of the memory store, the session workflow and the client: the same fields, limits and text
 * rules, with one difference — no body names a tenant, because the tenant is the API key's.
 * A body that does carry `tenantId` (or any field the operation does not know) is refused with a
 * 400 naming it. Field names are those of the TypeScript client (camelCase) on every route.
 */
import { z } from 'zod';
import { LIMITS, text } from '../contracts/limits';
import {
  memoryIdentitySchema,
  ownerId,
  SCOPES,
  searchMemoryInputSchema,
  storeMemoryInputSchema,
} from '../contracts/memory';
import {
  addTaskInputSchema,
  completeTaskInputSchema,
  endInputSchema,
  handoffInputSchema,
  messageInputSchema,
  sessionStartSchema,
} from '../contracts/session';
import { addSolutionSchema, reportErrorSchema } from '../client/brainops-client';

/** `shape` without the tenant: the API key says which tenant a request acts for. */
function withoutTenant<S extends { tenantId?: unknown }>(shape: S): Omit<S, 'tenantId'> {
  const { tenantId: _tenant, ...rest } = shape;
  return rest;
}

const sessionId = { sessionId: ownerId };

/** A key acts for its tenant, so an entry is the tenant's unless the body names another scope. */
const tenantScope = { scope: z.enum(SCOPES).default('tenant') };

export const storeBody = z.strictObject({ ...withoutTenant(storeMemoryInputSchema.shape), ...tenantScope });
export const retrieveBody = z.strictObject({ ...withoutTenant(memoryIdentitySchema.shape), ...tenantScope });
export const searchBody = z.strictObject(withoutTenant(searchMemoryInputSchema.shape));
export const sessionStartBody = z.strictObject(withoutTenant(sessionStartSchema.shape));
export const messageBody = z.strictObject({ ...sessionId, ...messageInputSchema.shape });
export const handoffBody = z.strictObject({ ...sessionId, ...handoffInputSchema.shape });
export const endBody = z.strictObject({ ...sessionId, ...endInputSchema.shape });
export const addTaskBody = z.strictObject({ ...sessionId, ...addTaskInputSchema.shape });
export const completeTaskBody = z.strictObject({ ...sessionId, ...completeTaskInputSchema.shape });
export const errorReportBody = z.strictObject(withoutTenant(reportErrorSchema.shape));
export const addSolutionBody = z.strictObject(addSolutionSchema.shape);
/** "What fixed this before?": an error's type and message, as `POST /errors` takes them. */
export const solutionLookupBody = z.strictObject({
  message: text(10_000, 1),
  errorType: text(200, 1).default('Error'),
  stack: text(50_000).optional(),
  limit: z.number().int().min(1).max(50).default(5),
});
export const memoryGetQuery = z.strictObject({
  key: text(LIMITS.memoryKeyChars, 1),
  scope: retrieveBody.shape.scope,
  userId: ownerId.optional(),
  sessionId: ownerId.optional(),
  agentId: ownerId.optional(),
});
export const sessionIdParams = z.strictObject(sessionId);
export const statsQuery = z.strictObject({
  /** Admin only: the operator's totals over every tenant. */
  all: z.enum(['true', 'false']).optional(),
});
export const briefQuery = z.strictObject({ format: z.enum(['json', 'markdown']).default('json') });

export type StoreBody = z.output<typeof storeBody>;
export type RetrieveBody = z.output<typeof retrieveBody>;
export type SearchBody = z.output<typeof searchBody>;
export type SessionStartBody = z.output<typeof sessionStartBody>;
export type MessageBody = z.output<typeof messageBody>;
export type HandoffBody = z.output<typeof handoffBody>;
export type EndBody = z.output<typeof endBody>;
export type AddTaskBody = z.output<typeof addTaskBody>;
export type CompleteTaskBody = z.output<typeof completeTaskBody>;
export type ErrorReportBody = z.output<typeof errorReportBody>;
export type AddSolutionBody = z.output<typeof addSolutionBody>;
export type SolutionLookupBody = z.output<typeof solutionLookupBody>;

// Responses: what every route answers (documented in the OpenAPI document; held against real
// answers by the tests).
const time = z.iso.datetime().describe('ISO-8601');
const ok = { success: z.literal(true) };

export const memoryEntryResponse = z.looseObject({
  id: z.string(),
  key: z.string(),
  value: z.unknown(),
  title: z.string().nullable(),
  content: z.string().nullable(),
  memoryType: z.string(),
  layer: z.string(),
  scope: z.string(),
  priority: z.string(),
  importance: z.number(),
  tags: z.array(z.string()),
  tenantId: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
  expiresAt: time.nullable(),
  accessCount: z.number(),
  syncVersion: z.number(),
});
export const storeResponse = z.object({
  ...ok,
  entryId: z.string(),
  key: z.string(),
  layer: z.string(),
  scope: z.string(),
  syncVersion: z.number(),
  expiresAt: time.nullable(),
});
export const retrieveResponse = memoryEntryResponse.extend(ok);
export const searchResponse = z.object({
  ...ok,
  query: z.string(),
  resultCount: z.number(),
  results: z.array(z.looseObject({ kind: z.enum(['entry', 'message']), rank: z.number() })),
});
export const statsResponse = z.object({ ...ok, stats: z.looseObject({ entries: z.number() }) });
export const sessionResponse = z.object({
  ...ok,
  sessionId: z.string(),
  tenantId: z.string(),
  userId: z.string().nullable(),
  status: z.string(),
  startTime: time,
  lastActivity: time,
  messageCount: z.number(),
  taskCount: z.number(),
  activeAgents: z.array(z.string()),
  workflowId: z.string(),
});
export const messageResponse = z.object({
  ...ok,
  sessionId: z.string(),
  seq: z.number(),
  messageId: z.string(),
  status: z.enum(['stored', 'duplicate', 'quarantined']),
  reason: z.string().optional(),
});
export const handoffResponse = z.looseObject({
  ...ok,
  sessionId: z.string(),
  handoffId: z.string(),
  toAgent: z.string(),
  timestamp: time,
  contextSnapshot: z.looseObject({ conversationSummary: z.string() }),
});
export const contextResponse = z.object({
  ...ok,
  context: z.looseObject({ sessionId: z.string(), status: z.string() }),
});
export const endResponse = z.object({
  ...ok,
  sessionId: z.string(),
  snapshot: z.looseObject({ messageCount: z.number() }),
});
export const taskResponse = z.object({
  ...ok,
  task: z.looseObject({ taskId: z.string(), title: z.string(), status: z.string() }),
});
export const briefResponse = z.object({
  ...ok,
  brief: z.looseObject({
    tenantId: z.string(),
    lastContext: z.unknown(),
    openTasks: z.array(z.unknown()),
    systemStatus: z.array(z.unknown()),
    recentErrors: z.array(z.unknown()),
  }),
});
export const errorReportResponse = z.object({
  ...ok,
  errorEventId: z.number(),
  signature: z.string(),
  workflowId: z.string(),
});
export const solutionLookupResponse = z.object({
  ...ok,
  signature: z.string(),
  solutions: z.array(
    z.looseObject({ id: z.number(), problemSignature: z.string(), action: z.string(), similarity: z.number() }),
  ),
});
export const solutionResponse = z.object({ ...ok, solution: z.looseObject({ id: z.number(), action: z.string() }) });
/** `POST /admin/monitor/run`: the SystemMonitor run's checks and status changes. */
export const monitorResponse = z.object({
  ...ok,
  result: z.object({
    results: z.array(
      z.object({
        target: z.string(),
        kind: z.string(),
        status: z.enum(['up', 'down']),
        latencyMs: z.number(),
        error: z.string().optional(),
        checkedAt: time,
      }),
    ),
    transitions: z.array(z.looseObject({ target: z.string(), from: z.string(), to: z.string() })),
    unstored: z.string().optional(),
  }),
});
/** `GET /admin/metrics`: counters of each of the tenant's keys since the server process started. */
export const metricsResponse = z.object({
  ...ok,
  keys: z.array(
    z.object({
      keyId: z.string(),
      tenantId: z.string(),
      requests: z.number(),
      errors: z.number(),
      totalMs: z.number().describe('sum of latencies, ms'),
      maxMs: z.number(),
      byOperation: z.record(z.string(), z.number()).describe('requests by operation'),
    }),
  ),
});
export const errorResponse = z.object({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  reason: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});
