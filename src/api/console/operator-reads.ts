/**
 * The console's reads of errors and fixes, learning, procedures and orchestrations, deployments
 * and DatabaseGuardian. Error events are a tenant's (read under its row-level security); the
 * knowledge base, agent records, procedures, deployments and backups are the operator's, and the
 * pages only about them are operator operations. Live state of running workflows (a procedure run
 * waiting for a person, an error-learning run) comes from Temporal queries. Insights and backups
 * are read through their API operations (`api.operator.insights`, `api.operator.backups`).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BrainOpsConfig } from '../../../temporal.config';
import { statusQuery, type ErrorLearningStatus } from '../../contracts/error-learning-messages';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import { complianceRate } from '../../domain/operations-figures';
import { errorLearningWorkflowId } from '../../domain/signature-hash';
import type { BrainOpsClient } from '../../client/brainops-client';
import type { MemoryStore } from '../../memory';
import type { ProcedureRunRow } from '../../memory/console';
import { notFound } from '../errors';
import { operation } from '../operation';
import type { operatorOperations } from '../operator';
import { viewedTenant, viewOf } from './context';
import type {
  ErrorsPage,
  LearningPage,
  OperationsPage,
  ProcedureRunPage,
  ProceduresPage,
  SignaturePage,
} from './pages';

const DAY_MS = 86_400_000;
/** Running procedure runs whose live status is asked for at most. */
const WAITING_CHECKED = 20;

/** What the operator reads depend on. */
export interface OperatorReadDeps {
  store: () => Promise<MemoryStore>;
  client: () => Promise<BrainOpsClient>;
  config: BrainOpsConfig;
  logger: Logger;
  /** The operations insights and backups are read through. */
  operator: ReturnType<typeof operatorOperations>;
}

/** The console's reads of errors, learning, procedures and operations. */
export function consoleOperatorReads(deps: OperatorReadDeps) {
  const { store, client, config, logger } = deps;

  /** A Temporal query of a run, or null when the run is gone (or did not answer: logged). */
  const live = async <T>(workflowId: string, query: () => Promise<T>): Promise<T | null> => {
    try {
      return await query();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) logger.warn({ err: error, workflowId }, 'could not query the run');
      return null;
    }
  };
  const procedureStatus = async (workflowId: string) =>
    live(workflowId, async () => (await client()).procedures.status(workflowId));

  return {
    errors: operation({
      name: 'console.errors',
      summary: 'Error patterns over a window, their solutions and open escalations',
      subject: 'errors page',
      what: 'reading errors',
      input: z.strictObject({ tenantId: viewedTenant, days: z.number().int().min(1).max(90).default(7) }),
      access: 'reader',
      run: async (caller, { tenantId, days }): Promise<ErrorsPage> => {
        const view = viewOf(caller, tenantId);
        const repo = (await store()).console;
        const since = new Date(Date.now() - days * DAY_MS);
        const [patterns, escalations] = await Promise.all([
          repo.signaturePatterns(view, { since, bucket: days > 3 ? 'day' : 'hour', limit: 12 }),
          repo.openEscalations(view, { limit: 20 }),
        ]);
        const signatures = [...new Set([...patterns.map((p) => p.signature), ...escalations.map((e) => e.signature)])];
        return { days, patterns, solutions: await repo.solutionsFor({ signatures }), escalations };
      },
    }),

    errorSignature: operation({
      name: 'console.errors.signature',
      summary: 'One error signature: its events, resolution times, solutions and its error-learning run',
      subject: 'error signature',
      what: 'reading errors',
      input: z.strictObject({ tenantId: viewedTenant, signature: z.string().min(1).max(2000) }),
      access: 'reader',
      /** @throws ApiError `not_found` when the caller sees no error of the signature. */
      run: async (caller, { tenantId, signature }): Promise<SignaturePage> => {
        const view = viewOf(caller, tenantId);
        const repo = (await store()).console;
        const { events, resolution } = await repo.signature(view, { signature, limit: 30 });
        if (events.length === 0) throw notFound('no error with this signature that this key may see');
        const workflowId = errorLearningWorkflowId(signature);
        const [solutions, learning, actions] = await Promise.all([
          repo.solutionsFor({ signatures: [signature] }),
          view.operator
            ? live(workflowId, async () =>
                (await client()).temporal.workflow.getHandle(workflowId).query<ErrorLearningStatus>(statusQuery),
              )
            : null,
          view.operator ? repo.listActions({ subjects: [workflowId], limit: 20 }) : [],
        ]);
        const remediations = view.operator ? Object.keys(config.errorLearning.remediations).sort() : [];
        return { signature, workflowId, events, resolution, solutions, learning, actions, remediations };
      },
    }),

    learning: operation({
      name: 'console.learning',
      summary: 'Insights, agent records per capability, weekly improvement and the learning cycles',
      subject: 'learning page',
      what: 'reading learning',
      input: z.strictObject({ tenantId: viewedTenant }),
      access: 'reader',
      run: async (caller, { tenantId }): Promise<LearningPage> => {
        const view = viewOf(caller, tenantId);
        const repo = (await store()).console;
        const since = new Date(Date.now() - 7 * DAY_MS);
        const [insights, capabilities, weeks, cycles] = await Promise.all([
          repo.newestInsights({ limit: 30 }),
          view.operator ? repo.capabilityRecords({ since, bucket: 'hour', limit: 12 }) : [],
          repo.weeklyImprovement(view, { weeks: 8 }),
          view.operator ? repo.latestCycleRuns() : [],
        ]);
        return { insights, capabilities, weeks, cycles };
      },
    }),

    procedures: operation({
      name: 'console.procedures',
      summary: 'Procedure runs, those waiting for a person, compliance and orchestrations',
      subject: 'procedures page',
      what: 'reading procedures and orchestrations',
      input: z.strictObject({}),
      access: 'operator',
      run: async (): Promise<ProceduresPage> => {
        const s = await store();
        const end = new Date();
        const [runs, running, compliance, orchestrations] = await Promise.all([
          s.console.procedureRuns({ limit: 50 }),
          s.console.procedureRuns({ status: 'running', limit: WAITING_CHECKED }),
          s.procedures.compliance({ start: new Date(end.getTime() - 30 * DAY_MS), end }),
          s.console.recentOrchestrations({ limit: 20 }),
        ]);
        const statuses = await Promise.all(running.map((run) => procedureStatus(run.workflowId)));
        const waiting = running
          .map((run, i) => ({ run, status: statuses[i] }))
          .filter((w): w is { run: ProcedureRunRow; status: ProcedureStatus } =>
            Boolean(w.status && (w.status.state === 'blocked' || w.status.state === 'waiting-approval')),
          );
        return {
          runs,
          waiting,
          compliance: compliance.map((c) => ({ ...c, rate: complianceRate(c) })),
          orchestrations,
        };
      },
    }),

    procedureRun: operation({
      name: 'console.procedures.run',
      summary: 'One procedure run: its live status, step events and what people did',
      subject: 'procedure run',
      what: 'reading a procedure run',
      input: z.strictObject({ workflowId: z.string().min(1).max(1000) }),
      access: 'operator',
      /** @throws ApiError `not_found` for an unknown run. */
      run: async (_caller, { workflowId }): Promise<ProcedureRunPage> => {
        const s = await store();
        const run = await s.console.procedureRun({ workflowId });
        if (!run) throw notFound(`no procedure run ${workflowId}`);
        const [status, events, actions] = await Promise.all([
          procedureStatus(workflowId),
          s.procedures.listStepEvents({ workflowId }),
          s.console.listActions({ subjects: [workflowId], limit: 50 }),
        ]);
        return { run, status, events, actions };
      },
    }),

    operations: operation({
      name: 'console.operations',
      summary: 'Deployments, backups, DatabaseGuardian findings and migration runs',
      subject: 'operations page',
      what: 'reading deployments and DatabaseGuardian',
      input: z.strictObject({}),
      access: 'operator',
      run: async (caller): Promise<OperationsPage> => {
        const s = await store();
        const [deployments, backups, findings, migrations] = await Promise.all([
          s.deployments.list({ limit: 20, withSteps: true }),
          deps.operator.backups.call(caller, { limit: 30 }),
          deps.operator.insights.call(caller, { keyPrefix: 'insight/database/', limit: 50 }),
          s.console.migrationRuns({ limit: 20 }),
        ]);
        return {
          deployments,
          backups,
          findings: findings.map((f) => ({
            key: f.key,
            kind: f.kind,
            severity: f.severity,
            title: f.title,
            detail: f.detail,
            recommendedAction: f.recommendedAction,
            status: f.status,
            source: 'DatabaseGuardian',
            updatedAt: f.updatedAt,
          })),
          migrations,
        };
      },
    }),
  };
}
