/**
 * zod schemas of the memory store's operator and maintenance methods (embeddings, work history
 * and error events, knowledge base, guidance, procedures, guardian, insights, learning cycles,
 * memory optimisation, deployments, health). Their callers are activities with typed inputs, so
 * these check what SQL relies on — ids, bounds, windows, vocabularies, the shape of records —
 * and let records carry fields they do not name.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const count = z.number().int().min(0);
const limit = z.number().int().min(1).max(1_000_000).optional();
const name = z.string().min(1).max(1000);
const time = z.date();
const json = z.unknown();
const record = z.record(z.string(), z.unknown());
const names = z.array(name).max(100_000);

/** An object schema over `shape` whose `start` is not after its `end`. */
function window<S extends z.ZodRawShape>(shape: S) {
  return z
    .object({ start: time, end: time, ...shape })
    .refine((w) => (w as { start: Date }).start.getTime() <= (w as { end: Date }).end.getTime(), {
      path: ['end'],
      message: 'must not be before start',
    });
}

// Embeddings.
const embeddingSource = z.enum(['entries', 'messages']);
const embeddingCursor = z.object({ at: z.string().min(1).max(100), key: z.string().max(1000) });
export const pendingEmbeddingsInputSchema = z.object({
  source: embeddingSource,
  model: name,
  cursor: embeddingCursor,
  limit: z.number().int().min(1).max(100_000),
  overlapMs: count.optional(),
});
export const saveEmbeddingsInputSchema = z.object({
  source: embeddingSource,
  model: name,
  dimensions: z.number().int().min(1).max(8192),
  rows: z
    .array(z.object({ key: z.string().min(1).max(1000), version: count, vector: z.instanceof(Buffer) }))
    .max(100_000),
  cursor: embeddingCursor,
});
export const embeddingCursorInputSchema = z.object({ source: embeddingSource, model: name });
export const embeddingCoverageInputSchema = z.object({ model: name });
export const archiveExpiredInputSchema = z.object({ limit });

// Work history, unstored records and error events.
export const workHistoryRecordSchema = z.looseObject({
  agentId: name,
  action: name,
  success: z.boolean(),
  durationMs: z.number().min(0),
  workflowId: name,
  runId: name,
  activityId: name,
  attempt: z.number().int().min(1),
  tenantId: z.string().max(1000).optional(),
  sessionId: z.string().max(1000).optional(),
  startedAt: z.string().min(1),
  finishedAt: z.string().min(1),
});
const unstoredKind = z.enum(['work_history', 'health_results']);
export const listUnstoredInputSchema = z.object({ kind: unstoredKind.optional(), limit });
export const unstoredRecordSchema = z.object({
  kind: unstoredKind,
  dedupeKey: z.string().optional(),
  workflowId: z.string().optional(),
  reason: z.string(),
  payload: json,
});
export const errorEventInputSchema = z.looseObject({
  signature: name,
  errorType: z.string().max(1000),
  message: z.string(),
  stack: z.string().optional(),
  context: record.optional(),
  source: name,
  agentId: name.optional(),
  dedupeKey: name.optional(),
  workflowId: name.optional(),
  activityType: name.optional(),
  attempt: z.number().int().min(0).optional(),
  // As the failed activity was given it (refused there, perhaps): kept, readable by the operator.
  tenantId: z.string().max(1000).optional(),
});

// Knowledge base and decisions.
export const solutionInputSchema = z.looseObject({
  problemSignature: name,
  description: z.string(),
  action: name,
  params: record,
  source: z.enum(['human', 'learned']),
  successCount: count.optional(),
  exampleMessage: z.string().optional(),
});
export const solutionOnceInputSchema = solutionInputSchema.extend({ writeId: name });
export const listSolutionsInputSchema = z.object({ includeDisabled: z.boolean().optional(), limit });
export const byIdInputSchema = z.object({ id });
export const similarSolutionsInputSchema = z.object({
  signature: name,
  message: z.string().optional(),
  minSimilarity: z.number().min(0).max(1),
  limit,
});
export const solutionOutcomeInputSchema = z.object({ id, success: z.boolean(), writeId: name.optional() });
export const resolveErrorEventsInputSchema = z.object({
  signature: name,
  status: z.enum(['resolved', 'ignored', 'escalated']),
  solutionId: id.optional(),
});
export const summariseErrorsInputSchema = z.object({ since: time, limit });
export const decisionInputSchema = z.looseObject({
  agentId: name,
  decision: z.string(),
  confidence: z.number().finite().optional(),
  dedupeKey: name.optional(),
});

// Guidance.
export const similarToTaskInputSchema = z.object({ task: z.string().min(1).max(100_000), limit });
export const similarTasksInputSchema = z.object({ signature: name, limit });
export const decisionWithIdInputSchema = z.looseObject({
  agentId: name,
  decision: z.string(),
  context: json,
  confidence: z.number().finite(),
  patterns: z.array(json),
  dedupeKey: name,
});
export const decisionOutcomeInputSchema = z.object({ decisionId: id, success: z.boolean(), detail: json });

// Procedures and orchestration.
export const insertProcedureInputSchema = z.object({ definition: z.looseObject({ name }), source: json });
export const getProcedureInputSchema = z.object({ name, version: z.number().int().min(1).optional() });
export const listProceduresInputSchema = z.object({ allVersions: z.boolean().optional() });
export const openProcedureRunInputSchema = z.object({
  workflowId: name,
  name,
  version: z.number().int().min(1),
  guidanceDecisionId: id.optional(),
});
export const finishProcedureRunInputSchema = z.object({
  workflowId: name,
  success: z.boolean(),
  error: z.string().optional(),
  guidanceDecisionId: id.optional(),
});
export const stepEventInputSchema = z.looseObject({
  workflowId: name,
  name,
  version: z.number().int().min(1),
  stepId: name,
  event: z.enum(['ran', 'failed', 'skipped', 'blocked', 'released', 'warned', 'approved']),
  approvedBy: name.optional(),
  reason: z.string().optional(),
});
export const byWorkflowInputSchema = z.object({ workflowId: name });
export const windowInputSchema = window({});
export const orchestrationStepInputSchema = z.looseObject({
  workflowId: name,
  stepId: name,
  capability: name,
  agentId: name,
  status: z.enum(['running', 'succeeded', 'failed']),
});
export const taskOutcomeInputSchema = z.looseObject({
  workflowId: name,
  signature: name,
  goal: z.string(),
  success: z.boolean(),
  guidanceDecisionId: id.optional(),
});

// DatabaseGuardian.
const backupStatus = z.enum(['taken', 'verified', 'failed', 'pruned']);
export const backupInputSchema = z.looseObject({
  databaseName: name,
  filePath: z.string().min(1).max(4096),
  status: backupStatus,
  sizeBytes: count.nullable(),
});
export const listBackupsInputSchema = z.object({
  databaseName: name.optional(),
  statuses: z.array(backupStatus).optional(),
  limit,
});
export const backupChecksumInputSchema = z.object({
  id,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  sizeBytes: count,
});
export const backupVerificationInputSchema = z.looseObject({
  id,
  ok: z.boolean(),
  verification: record,
  error: z.string().optional(),
});
export const pruneBackupsInputSchema = z.object({ ids: z.array(id).max(100_000) });
export const migrationRunInputSchema = z.looseObject({
  databaseName: name,
  pending: names,
  applied: names,
  dedupeKey: name,
  startedAt: time,
});
export const databaseNameInputSchema = z.object({ databaseName: name });

// Insights.
const insights = z.array(z.looseObject({ key: name })).max(100_000);
export const observationsInputSchema = z.object({ insights, source: name, writeId: name, seenAt: time });
export const resolveObservationsInputSchema = z.object({
  keyPrefix: z.string().max(1000),
  seenKeys: names,
  resolvedAt: time,
  kinds: names,
  exclude: z.boolean(),
});
export const windowInsightsInputSchema = z
  .object({
    insights,
    source: name,
    windowStart: time,
    windowEnd: time,
    writeId: name,
    memoryType: z.string().min(1).optional(),
  })
  .refine((w) => w.windowStart.getTime() <= w.windowEnd.getTime(), {
    path: ['windowEnd'],
    message: 'must not be before windowStart',
  });
export const listInsightsInputSchema = z.looseObject({ limit });

// Learning cycles and memory optimisation.
export const capabilityWindowInputSchema = window({ agentIds: names.optional(), capability: name.optional() });
export const failingSignaturesInputSchema = z.object({ end: time, minCount: z.number().int().min(1) });
export const cycleRunInputSchema = z.looseObject({ cycle: name });
export const listCycleRunsInputSchema = z.looseObject({ limit });
export const maintenanceStepInputSchema = z.object({
  windowEnd: time,
  windowKey: name,
  limit: z.number().int().min(1).max(1_000_000),
});
export const maintenanceCountsInputSchema = z.object({ windowKey: name });

// Deployments.
export const openDeploymentInputSchema = z.object({
  workflowId: name,
  runId: name,
  target: name,
  ref: name,
  kind: z.enum(['deploy', 'rollback']),
  startedBy: name,
  environments: names,
});
export const earlierDeploymentsInputSchema = z.object({ target: name, deploymentId: id });
export const deploymentCommitInputSchema = z.object({
  id,
  commit: name,
  baseCommit: name.nullable(),
  changedPaths: names,
});
export const deploymentRiskInputSchema = z.object({ id, risk: z.number().min(0), riskReasons: names });
export const deploymentStepInputSchema = z.object({
  deploymentId: id,
  step: z.looseObject({
    seq: z.number().int().min(0),
    name,
    status: z.enum(['succeeded', 'failed', 'cancelled', 'skipped']),
    durationMs: z.number().min(0),
    startedAt: z.string().min(1),
    finishedAt: z.string().min(1),
  }),
});
export const finishDeploymentInputSchema = z.looseObject({ id, status: name });
export const listDeploymentsInputSchema = z.looseObject({
  target: name.optional(),
  workflowId: name.optional(),
  limit,
});
export const targetInputSchema = z.object({ target: name });
export const deploymentPastInputSchema = z.object({
  target: name,
  paths: names,
  excludeId: id.optional(),
  limit,
  sinceDays: z.number().int().min(1).max(36_500).optional(),
});

// SystemMonitor.
export const healthChecksInputSchema = z.object({
  results: z.array(z.looseObject({ target: name })).max(10_000),
  writeId: name,
});
