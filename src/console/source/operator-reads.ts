/**
 * The console's reads of errors and fixes, learning, procedures and orchestrations, deployments
 * and DatabaseGuardian. Error events are a tenant's (read under its row-level security); the
 * knowledge base, agent records, procedures, deployments and backups are the operator's, and the
 * pages that are only about them refuse a tenant's viewer. Live state of running workflows (a
 * procedure run waiting for a person, an error-learning run) comes from Temporal queries.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import { statusQuery, type ErrorLearningStatus } from '../../contracts/error-learning-messages';
import { errorLearningWorkflowId } from '../../domain/signature-hash';
import { complianceRate } from '../../domain/operations-figures';
import * as overview from '../../memory/console-overview';
import * as errors from '../../memory/console-errors';
import * as learning from '../../memory/console-learning';
import * as ops from '../../memory/console-operations';
import { listConsoleActions } from '../../memory/console-auth';
import { listStepEvents, procedureCompliance } from '../../memory/procedures';
import { listDeployments } from '../../memory/deployments';
import { listBackups } from '../../memory/guardian';
import { listInsights } from '../../memory/insights';
import type {
  ErrorsPage,
  LearningPage,
  OperationsPage,
  ProcedureRunPage,
  ProceduresPage,
  SignaturePage,
  Viewer,
} from '../model';
import type { SourceContext } from './context';

const DAY_MS = 86_400_000;
/** Running procedure runs whose live status is asked for at most. */
const WAITING_CHECKED = 20;

export class OperatorReads {
  constructor(private readonly ctx: SourceContext) {}

  async errors(v: Viewer, q: { days: number }): Promise<ErrorsPage> {
    const since = new Date(Date.now() - q.days * DAY_MS);
    const bucket = q.days > 3 ? 'day' : 'hour';
    const [patterns, escalations] = await Promise.all([
      this.ctx.asViewer(v, (db) => errors.signaturePatterns(db, { tenantId: v.tenantId, since, bucket, limit: 12 })),
      this.ctx.asViewer(v, (db) => overview.openEscalations(db, v.tenantId, 20)),
    ]);
    // Solutions of the signatures shown (the knowledge base is tenant-free: read for those only).
    const solutions = await errors.solutionsFor(this.ctx.pool, [
      ...new Set([...patterns.map((p) => p.signature), ...escalations.map((e) => e.signature)]),
    ]);
    return { days: q.days, patterns, solutions, escalations };
  }

  async errorSignature(v: Viewer, signature: string): Promise<SignaturePage | null> {
    const { events, resolution } = await this.ctx.asViewer(v, async (db) => ({
      events: await errors.signatureEvents(db, { tenantId: v.tenantId, signature, limit: 30 }),
      resolution: await errors.signatureResolution(db, { tenantId: v.tenantId, signature }),
    }));
    if (events.length === 0) return null;
    const workflowId = errorLearningWorkflowId(signature);
    const [solutions, learningStatus, actions] = await Promise.all([
      errors.solutionsFor(this.ctx.pool, [signature]),
      v.operator ? this.errorLearningStatus(workflowId) : Promise.resolve(null),
      v.operator ? listConsoleActions(this.ctx.pool, [workflowId], 20) : Promise.resolve([]),
    ]);
    return {
      signature,
      workflowId,
      events,
      resolution,
      solutions,
      learning: learningStatus,
      actions,
      remediations: v.operator ? Object.keys(this.ctx.deps.config.errorLearning.remediations).sort() : [],
    };
  }

  private async errorLearningStatus(workflowId: string): Promise<ErrorLearningStatus | null> {
    try {
      return await this.ctx.deps.client.temporal.workflow.getHandle(workflowId).query(statusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      this.ctx.deps.logger.warn({ err: error, workflowId }, 'could not query the error-learning run');
      return null;
    }
  }

  async learning(v: Viewer): Promise<LearningPage> {
    const since = new Date(Date.now() - 7 * DAY_MS);
    const [insights, capabilities, weeks, cycles] = await Promise.all([
      overview.newestInsights(this.ctx.pool, 30),
      v.operator ? learning.capabilityRecords(this.ctx.pool, { since, bucket: 'hour', limit: 12 }) : [],
      this.ctx.asViewer(v, (db) => learning.weeklyImprovement(db, { tenantId: v.tenantId, weeks: 8 })),
      v.operator ? learning.latestCycleRuns(this.ctx.pool) : [],
    ]);
    return { insights, capabilities, weeks, cycles };
  }

  async procedures(v: Viewer): Promise<ProceduresPage> {
    this.ctx.requireOperator(v, 'Procedures and orchestrations');
    const end = new Date();
    const [runs, running, compliance, orchestrations] = await Promise.all([
      ops.procedureRuns(this.ctx.pool, { limit: 50 }),
      ops.procedureRuns(this.ctx.pool, { status: 'running', limit: WAITING_CHECKED }),
      procedureCompliance(this.ctx.pool, new Date(end.getTime() - 30 * DAY_MS), end),
      ops.recentOrchestrations(this.ctx.pool, 20),
    ]);
    const statuses = await Promise.all(running.map((run) => this.procedureStatus(run.workflowId)));
    const waiting = running
      .map((run, i) => ({ run, status: statuses[i] }))
      .filter((w): w is { run: ops.ProcedureRunRow; status: ProcedureStatus } =>
        Boolean(w.status && (w.status.state === 'blocked' || w.status.state === 'waiting-approval')),
      );
    return {
      runs,
      waiting,
      compliance: compliance.map((c) => ({ ...c, rate: complianceRate(c) })),
      orchestrations,
    };
  }

  private async procedureStatus(workflowId: string): Promise<ProcedureStatus | null> {
    try {
      return await this.ctx.deps.client.procedures.status(workflowId);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError))
        this.ctx.deps.logger.warn({ err: error, workflowId }, 'could not query the procedure run');
      return null;
    }
  }

  async procedureRun(v: Viewer, workflowId: string): Promise<ProcedureRunPage | null> {
    this.ctx.requireOperator(v, 'A procedure run');
    const run = await ops.procedureRun(this.ctx.pool, workflowId);
    if (!run) return null;
    const [status, events, actions] = await Promise.all([
      this.procedureStatus(workflowId),
      listStepEvents(this.ctx.pool, workflowId),
      listConsoleActions(this.ctx.pool, [workflowId], 50),
    ]);
    return { run, status, events, actions };
  }

  async operations(v: Viewer): Promise<OperationsPage> {
    this.ctx.requireOperator(v, 'Deployments and DatabaseGuardian');
    const [deployments, backups, findings, migrations] = await Promise.all([
      listDeployments(this.ctx.pool, { limit: 20, withSteps: true }),
      listBackups(this.ctx.pool, { limit: 30 }),
      listInsights(this.ctx.pool, { keyPrefix: 'insight/database/', limit: 50 }),
      ops.migrationRuns(this.ctx.pool, 20),
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
  }
}
