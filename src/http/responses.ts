/**
 * What every route of the HTTP API answers, as zod schemas: documented in the OpenAPI document
 * and held against real answers by the tests. Request bodies are the operations' inputs
 * (`src/api`), documented without `tenantId` (the tenant is the API key's).
 */
import { z } from 'zod';

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
export const listResponse = z.object({
  ...ok,
  entries: z.array(memoryEntryResponse),
  nextCursor: z.string().nullable().describe('pass back as `cursor` for the next page; null on the last page'),
});
export const deleteResponse = z.object({
  ...ok,
  deleted: z.boolean().describe('false when there was no such entry (deleting it again is no error)'),
});
export const erasureStartResponse = z.object({
  ...ok,
  erasureId: z.string().describe('read its receipt at GET /memory/erase/{erasure_id}'),
  status: z.literal('running'),
});
export const erasureReceiptResponse = z.object({
  ...ok,
  erasureId: z.string(),
  tenantId: z.string(),
  subject: z.enum(['user', 'tenant']),
  userId: z.string().nullable(),
  requestedBy: z.object({ keyId: z.string().nullable(), prefix: z.string().nullable(), name: z.string().nullable() }),
  status: z.enum(['running', 'finished']),
  counts: z.record(z.string(), z.number()).describe('rows deleted per table'),
  startedAt: time,
  finishedAt: time.nullable(),
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
  fromAgent: z.string().nullable().describe('the agent that handed off; null when the session had none'),
  toAgent: z.string(),
  timestamp: time,
  contextSnapshot: z.looseObject({ conversationSummary: z.string() }),
});
export const contextResponse = z.object({
  ...ok,
  context: z.looseObject({
    sessionId: z.string(),
    status: z.string(),
    agents: z.looseObject({
      current: z.string().nullable(),
      previous: z.string().nullable().describe('the agent before the current one; null when none'),
      active: z.array(z.string()),
      handoffCount: z.number(),
    }),
  }),
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
export const toolCallResponse = z.object({
  ...ok,
  sessionId: z.string(),
  callId: z.string().describe('the work-history key of the call: the one sent, or a new one'),
});
export const briefResponse = z.object({
  ...ok,
  brief: z.looseObject({
    tenantId: z.string(),
    lastContext: z.unknown(),
    openTasks: z.array(z.unknown()),
    systemStatus: z.array(z.unknown()),
    recentErrors: z.array(z.unknown()),
    servicePerformance: z
      .array(z.unknown())
      .describe('error-rate spikes and p95 regressions the learning cycles found in the tenant’s routes'),
  }),
});
export const errorReportResponse = z.object({
  ...ok,
  errorEventId: z.number(),
  signature: z.string(),
  workflowId: z.string(),
});
export const alertIntakeResponse = z.object({
  ...ok,
  alerts: z.array(
    z.object({
      alertname: z.string(),
      fingerprint: z.string(),
      status: z.enum(['firing', 'resolved']),
      outcome: z
        .enum(['recorded', 'duplicate', 'cleared', 'resolved'])
        .describe(
          'recorded: a firing alert handed to error-learning; duplicate: that firing was recorded before, nothing started; cleared: resolved, told to the error-learning run in flight (it verifies and resolves); resolved: resolved with no run in flight, its error events marked resolved',
        ),
      signature: z.string(),
      workflowId: z.string(),
      errorEventId: z.number().optional(),
      resolvedEvents: z.number().optional(),
    }),
  ),
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

/** `GET /ops/endpoints`: routes of a window, most requested first; latencies in ms. */
export const endpointsResponse = z.object({
  routes: z.array(
    z.object({
      tenantId: z.string(),
      service: z.string(),
      route: z.string(),
      method: z.string(),
      requests: z.number(),
      errors: z.number(),
      errorRate: z.number().describe('errors / requests, 0–1'),
      meanMs: z.number(),
      maxMs: z.number(),
      p50Ms: z.number().nullable(),
      p95Ms: z.number().nullable(),
      p99Ms: z.number().nullable(),
    }),
  ),
});
