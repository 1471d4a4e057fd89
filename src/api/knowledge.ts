/**
 * Errors and the knowledge base: report an error (recorded, then handed to error-learning), ask
 * "what fixed this before?", and the operator's work — list and summarise error events, resolve
 * an escalated error, teach, list, show and disable solutions.
 */
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { reportErrorShape, tenantWorkflowRule } from '../contracts/error-report';
import { addSolutionSchema, solutionLookupSchema } from '../contracts/knowledge';
import { validateRemediation } from '../contracts/remediation';
import { listErrorEventsInputSchema } from '../contracts/work-history';
import { errorSignature, normaliseMessage } from '../domain/error-signature';
import { errorLearningWorkflowId } from '../domain/signature-hash';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { reportError } from '../services/error-reports';
import { ValidationError } from '../contracts/errors';
import { notFound } from './errors';
import { operation } from './operation';

/** Solutions at least this similar to the error are offered (error-learning applies them from 0.5). */
const LOOKUP_MIN_SIMILARITY = 0.3;

export const errorReportInput = z.strictObject(reportErrorShape).superRefine(tenantWorkflowRule);
export const solutionLookupInput = z.strictObject(solutionLookupSchema.shape);
export const addSolutionInput = z.strictObject(addSolutionSchema.shape);
export const errorListInput = listErrorEventsInputSchema;
export const errorSummaryInput = z.strictObject({
  since: z.date(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export const resolveErrorInput = z.strictObject({
  errorEventId: z.number().int().positive(),
  action: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).default({}),
  description: z.string().max(5000).optional(),
});
const byId = z.strictObject({ id: z.number().int().positive() });

/** Error and knowledge-base operations. */
export function knowledgeOperations(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  config: BrainOpsConfig,
) {
  const { taskQueue } = config.temporal;
  const { autoRemediationConfidence: autoConfidence, escalationTimeoutMs, remediations } = config.errorLearning;
  return {
    report: operation({
      name: 'errors.report',
      summary: 'Report an error (recorded, then handed to error-learning)',
      subject: 'error report',
      what: 'reporting an error',
      input: errorReportInput,
      access: 'writer',
      run: async (_caller, report) => ({
        success: true as const,
        ...(await reportError(
          await store(),
          (await client()).temporal,
          { taskQueue, autoConfidence, escalationTimeoutMs },
          report,
        )),
      }),
    }),

    lookup: operation({
      name: 'knowledge.lookup',
      summary: 'What fixed this before? Solutions for a similar error',
      subject: 'solution lookup',
      what: 'looking up solutions',
      input: solutionLookupInput,
      access: 'reader',
      run: async (_caller, e) => {
        const signature = errorSignature(e.errorType, e.message, e.stack);
        const solutions = await (
          await store()
        ).knowledge.findSimilarSolutions({
          signature,
          message: normaliseMessage(e.message),
          minSimilarity: LOOKUP_MIN_SIMILARITY,
          limit: e.limit,
        });
        return { success: true as const, signature, solutions };
      },
    }),

    /** Teaches a fix: a solution naming a registered remediation. */
    addSolution: operation({
      name: 'knowledge.add',
      summary: 'Teach a solution naming a registered remediation',
      subject: 'solution',
      what: 'teaching a solution',
      input: addSolutionInput,
      access: 'operator',
      run: async (_caller, s) => {
        const params = validateRemediation(remediations, s.action, s.params);
        const exampleMessage = s.exampleMessage === undefined ? undefined : normaliseMessage(s.exampleMessage);
        const solution = await (
          await store()
        ).knowledge.upsertSolution({ ...s, exampleMessage, params, source: 'human' });
        return { success: true as const, solution };
      },
    }),

    listErrors: operation({
      name: 'errors.list',
      summary: 'Error events, newest first',
      subject: 'error events list',
      what: 'listing error events',
      input: errorListInput,
      access: (input) => (input.allTenants ? 'operator' : 'reader'),
      run: async (_caller, input) => (await store()).errorEvents.list(input),
    }),

    summarise: operation({
      name: 'errors.summary',
      summary: 'Error events since a time, by signature, with time to resolution',
      subject: 'error summary',
      what: 'summarising errors',
      input: errorSummaryInput,
      access: 'operator',
      run: async (_caller, input) => (await store()).errorEvents.summarise(input),
    }),

    /**
     * Tells the error-learning run of an escalated error that a person fixed it with `action`;
     * the fix is learned for its signature.
     */
    resolve: operation({
      name: 'errors.resolve',
      summary: 'Resolve an escalated error with the fix a person applied',
      subject: 'error resolution',
      what: 'resolving an error',
      input: resolveErrorInput,
      access: 'operator',
      run: async (_caller, input) => {
        validateRemediation(remediations, input.action, input.params);
        const [event] = await (await store()).errorEvents.list({ id: input.errorEventId, allTenants: true, limit: 1 });
        if (!event)
          throw new ValidationError('error resolution', [
            { field: 'errorEventId', message: `no error event ${input.errorEventId}` },
          ]);
        const workflowId = errorLearningWorkflowId(event.signature);
        await (await client()).signalResolved(workflowId, input);
        return { workflowId };
      },
    }),

    listSolutions: operation({
      name: 'knowledge.list',
      summary: 'Solutions of the knowledge base',
      subject: 'solutions list',
      what: 'listing solutions',
      input: z.strictObject({
        includeDisabled: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      }),
      access: 'operator',
      run: async (_caller, input) => (await store()).knowledge.listSolutions(input),
    }),

    showSolution: operation({
      name: 'knowledge.show',
      summary: 'One solution with its record',
      subject: 'solution',
      what: 'reading a solution',
      input: byId,
      access: 'operator',
      run: async (_caller, { id }) => {
        const solution = await (await store()).knowledge.getSolution({ id });
        if (!solution) throw notFound(`no solution ${id}`);
        return solution;
      },
    }),

    disableSolution: operation({
      name: 'knowledge.disable',
      summary: 'Disable a solution (kept, with its record)',
      subject: 'solution',
      what: 'disabling a solution',
      input: byId,
      access: 'operator',
      run: async (_caller, { id }) => {
        if (!(await (await store()).knowledge.disableSolution({ id }))) throw notFound(`no solution ${id}`);
        return { id, disabled: true };
      },
    }),
  };
}
