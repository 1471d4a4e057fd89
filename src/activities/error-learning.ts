/** Error-learning's activities: find solutions, remediate, record outcomes, escalate, learn. */
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { agentForWorkflow } from '../agents';
import { errorSignature, normaliseMessage } from '../domain/error-signature';
import { solutionConfidence } from '../domain/confidence';
import { alertSignaturePrefix } from '../domain/alert-signature';
import { validateRemediation } from '../contracts/remediation';
import { BrainOpsError } from '../contracts/errors';
import { memoryInput } from '../contracts/memory';
import type { BrainOpsConfig } from '../../temporal.config';
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';
import { carryOut } from './remediate';
import { redactValue } from '../domain/redact';
import type { Candidate, RemediationResult } from '../contracts/error-learning-messages';
import { startErrorLearning, type ErrorOccurrence } from '../services/error-learning-start';

/** Solutions below this similarity (0..1, see `findSimilarSolutions`) are not candidates. */
export const MIN_SIMILARITY = 0.5;

/** Workflows whose failure is recorded but not handed to error-learning (it would feed itself). */
const NOT_LEARNED_FROM = new Set(['errorLearningWorkflow', 'remediationSequenceWorkflow']);

export function createErrorLearningActivities(
  { store, temporal, namespace, taskQueue, logger, secrets }: ActivityDeps,
  settings: BrainOpsConfig['errorLearning'],
) {
  const registry = settings.remediations;
  const client = new Client({ connection: temporal, namespace });
  const start = {
    taskQueue,
    autoConfidence: settings.autoRemediationConfidence,
    escalationTimeoutMs: settings.escalationTimeoutMs,
  };
  return {
    /**
     * Candidates for an error, best first: knowledge-base solutions with the same or a similar
     * signature or message whose action is still registered, then the remediation configured for
     * the failing target, or for the alert's name (`alert`, an Alertmanager `alertname`: then only
     * solutions learned for alerts of that name are known fixes).
     */
    async findSolutions(input: {
      signature: string;
      message?: string;
      target?: string;
      alert?: string;
    }): Promise<Candidate[]> {
      const rows = await store.knowledge.findSimilarSolutions({
        signature: input.signature,
        message: input.message === undefined ? undefined : normaliseMessage(input.message),
        minSimilarity: MIN_SIMILARITY,
      });
      const candidates: Candidate[] = [];
      const described = (action: string) => {
        const r = registry[action]!;
        return { action, kind: r.kind, ...(r.kind === 'sequence' ? { steps: r.steps } : {}) };
      };
      // An alert's known fixes are those of alerts of its name (see `alertSignaturePrefix`).
      const alertPrefix = input.alert === undefined ? undefined : alertSignaturePrefix(input.alert);
      for (const row of rows) {
        if (alertPrefix !== undefined && !row.problemSignature.startsWith(alertPrefix)) continue;
        if (!registry[row.action]) {
          logger.warn(
            { solution: row.id, action: row.action },
            'knowledge-base solution names an unregistered remediation; skipped',
          );
          continue;
        }
        candidates.push({
          solutionId: row.id,
          problemSignature: row.problemSignature,
          ...described(row.action),
          params: row.params,
          similarity: row.similarity,
          confidence: solutionConfidence(row.similarity, row.successCount, row.failureCount),
          origin: 'knowledge base',
        });
      }
      const configured = (action: string | undefined, origin: Candidate['origin']) => {
        if (!action || !registry[action] || candidates.some((c) => c.action === action && c.similarity === 1)) return;
        // Declared by a person for this target or alert: trusted like a taught solution with no
        // record yet, and tried after known solutions of equal confidence (the sort below is stable).
        candidates.push({
          problemSignature: input.signature,
          ...described(action),
          params: {},
          similarity: 1,
          confidence: solutionConfidence(1, 0, 0),
          origin,
        });
      };
      configured(input.target ? settings.targetRemediations[input.target] : undefined, 'configured for the target');
      configured(input.alert ? settings.alertRemediations[input.alert] : undefined, 'configured for the alert');
      return candidates.sort((a, b) => b.confidence - a.confidence);
    },

    /**
     * Carries out a registered remediation (non-retryable error if it is not registered);
     * `failedWorkflowId` is what a `workflow-reset` naming no workflow resets.
     */
    async applyRemediation(input: {
      action: string;
      params: Record<string, unknown>;
      failedWorkflowId?: string;
    }): Promise<RemediationResult> {
      const params = validateRemediation(registry, input.action, input.params);
      // Its detail (an output tail) goes to workflow history: redacted like everything stored.
      return redactValue(
        await carryOut(registry[input.action]!, params, {
          client,
          taskQueue,
          failingWorkflowId: input.failedWorkflowId,
        }),
        secrets ?? [],
      );
    },

    async recordSolutionOutcome(input: { solutionId: number; success: boolean }): Promise<void> {
      await store.knowledge.recordSolutionOutcome({
        id: input.solutionId,
        success: input.success,
        writeId: activityWriteId(),
      });
    },

    /**
     * Adds (or updates) a solution, with the error's normalised message for full-text matching;
     * a person's resolution counts as its first success.
     */
    async learnSolution(input: {
      signature: string;
      message?: string;
      action: string;
      params?: Record<string, unknown>;
      description: string;
      source: 'human' | 'learned';
    }): Promise<number> {
      const params = validateRemediation(registry, input.action, input.params);
      const solution = await store.knowledge.upsertSolutionOnce({
        writeId: activityWriteId(),
        problemSignature: input.signature,
        exampleMessage: input.message === undefined ? undefined : normaliseMessage(input.message),
        description: input.description,
        action: input.action,
        params,
        source: input.source,
        successCount: 1,
      });
      return solution.id;
    },

    async markErrors(input: {
      signature: string;
      status: 'resolved' | 'ignored' | 'escalated';
      solutionId?: number;
    }): Promise<number> {
      return store.errorEvents.resolve(input);
    },

    /** One decision of an agent (SystemMonitor's error-learning unless `agentId` says otherwise). */
    async recordDecision(input: {
      decision: string;
      confidence?: number;
      context?: Record<string, unknown>;
      patterns?: unknown[];
      outcome?: string;
      agentId?: 'SystemMonitor' | 'DeploymentManager';
    }): Promise<void> {
      await store.decisions.record({
        ...input,
        agentId: input.agentId ?? 'SystemMonitor',
        dedupeKey: activityWriteId(),
      });
    },

    /** An escalation record in memory, and the configured webhook (POST, JSON) if any. */
    async escalate(input: {
      signature: string;
      message: string;
      occurrences: number;
      tried: string[];
      workflowId: string;
    }): Promise<{ webhook?: string }> {
      await store.entries.store(
        memoryInput.store({
          key: `escalation/${input.workflowId}`,
          value: { ...input, escalatedAt: new Date().toISOString() },
          title: `Escalated: ${input.message.slice(0, 200)}`,
          content: `No known fix worked for ${input.signature}. Tried: ${input.tried.join(', ') || 'nothing'}. Resolve with \`brainops errors resolve\`.`,
          memoryType: 'system_error',
          // The operator's record, not knowledge shared with tenants: an error's text may be a tenant's.
          scope: 'agent',
          agentId: 'SystemMonitor',
          layer: 'long_term',
          priority: 'critical',
          importance: 0.9,
          source: 'error-learning',
          tags: ['escalation'],
          writeId: activityWriteId(),
        }),
      );
      const url = settings.escalationWebhook;
      if (!url) return {};
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'brainops.escalation', ...input }),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (!response.ok)
        throw new BrainOpsError('EscalationWebhookFailed', `escalation webhook answered HTTP ${response.status}`, true);
      return { webhook: `HTTP ${response.status}` };
    },

    /**
     * Records the failure of the calling workflow as an error event (once per run) and hands it to
     * error-learning, which may know a fix (a `workflow-reset` once the cause is mended, say).
     */
    async recordWorkflowFailure(input: {
      workflowType: string;
      errorType: string;
      message: string;
      stack?: string;
    }): Promise<void> {
      const { workflowExecution } = Context.current().info;
      const signature = errorSignature(input.errorType, input.message, input.stack);
      const message = input.message.slice(0, 10_000);
      const errorEventId = await store.errorEvents.record({
        signature,
        errorType: input.errorType,
        message,
        stack: input.stack,
        context: { workflowType: input.workflowType },
        source: 'workflow',
        agentId: agentForWorkflow(input.workflowType),
        workflowId: workflowExecution?.workflowId,
        dedupeKey: `${workflowExecution?.workflowId}/${workflowExecution?.runId}/workflow-failure`,
      });
      if (NOT_LEARNED_FROM.has(input.workflowType)) return;
      await startErrorLearning(client, start, {
        signature,
        errorType: input.errorType,
        message,
        source: `workflow ${input.workflowType}`,
        errorEventId,
        failedWorkflowId: workflowExecution?.workflowId,
      });
    },

    /** Starts error-learning for a signature, or tells the running one of another occurrence. */
    async startErrorLearning(occurrence: ErrorOccurrence): Promise<string> {
      return startErrorLearning(client, start, occurrence);
    },
  };
}
