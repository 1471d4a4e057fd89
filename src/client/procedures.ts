/**
 * The client API of guidance, procedures and the WorkflowOrchestrator: guidance (and linking an
 * operation's outcome to it), procedure definitions (define, list, show), procedure runs (run,
 * status, approve, skip) and orchestrations.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { BrainOpsConfig } from '../../temporal.config';
import { computeGuidance, recordGuidanceOutcome } from '../activities/guidance';
import { defineProcedure, procedureRegistry, resolveProcedure } from '../activities/procedures';
import type { Guidance, GuidanceInput, GuidanceOutcome } from '../contracts/guidance';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  orchestrateInputSchema,
  orchestrationStatusQuery,
  type OrchestrateInput,
} from '../contracts/orchestrator-messages';
import type { ProcedureDefinitionInput, StoredProcedure } from '../contracts/procedure';
import {
  approvalSchema,
  approveUpdate,
  procedureRunInputSchema,
  procedureStatusQuery,
  procedureWorkflowId,
  skipStepSchema,
  skipStepUpdate,
  type Approval,
  type ProcedureRunInput,
  type ProcedureStatus,
  type SkipStep,
} from '../contracts/procedure-messages';
import { parseInput } from '../contracts/validate';
import { ValidationError } from '../contracts/errors';
import type { MemoryStore } from '../memory';
import { orchestrateWorkflow, procedureWorkflow } from '../workflows';

export class ProceduresClient {
  constructor(
    private readonly temporal: Client,
    private readonly config: BrainOpsConfig,
    private readonly memory: () => Promise<MemoryStore>,
  ) {}

  /** What memory recommends for a task, recorded in the decision log. @throws ValidationError on bad input. */
  async guidance(input: GuidanceInput): Promise<Guidance> {
    return computeGuidance(await this.memory(), { requestedBy: 'client', ...input }, `client/${randomUUID()}`);
  }

  /** Links the outcome of the operation a guidance decision guided. @throws ValidationError for an unknown decision. */
  async recordOutcome(input: GuidanceOutcome): Promise<void> {
    await recordGuidanceOutcome(await this.memory(), input);
  }

  /**
   * Stores a procedure version (immutable: the same definition again is accepted, another one
   * under a stored version refused). @throws ValidationError naming the bad field.
   */
  async define(definition: ProcedureDefinitionInput): Promise<{ name: string; version: number; created: boolean }> {
    const { definition: d, created } = await defineProcedure(
      await this.memory(),
      procedureRegistry(this.config),
      definition,
      'client',
    );
    return { name: d.name, version: d.version, created };
  }

  async list(opts: { allVersions?: boolean } = {}): Promise<StoredProcedure[]> {
    return (await this.memory()).procedures.list(opts);
  }

  /** A procedure version (the newest unless given). @throws ValidationError when there is none. */
  async show(name: string, version?: number): Promise<StoredProcedure> {
    const found = await (await this.memory()).procedures.get({ name, version });
    if (!found)
      throw new ValidationError('procedure', [
        {
          field: version === undefined ? 'name' : 'version',
          message: `no procedure ${name}${version ? ` v${version}` : ''}`,
        },
      ]);
    return found;
  }

  /**
   * Starts a run of a procedure version; returns its workflow id.
   * @throws ValidationError on an unknown procedure or version, or missing and unknown parameters.
   */
  async run(input: ProcedureRunInput): Promise<{ workflowId: string; version: number }> {
    const r = parseInput(procedureRunInputSchema, input, 'procedure run');
    const definition = await resolveProcedure(await this.memory(), r.name, r.version, r.params);
    const workflowId = procedureWorkflowId(definition.name, definition.version, randomUUID().slice(0, 8));
    await this.temporal.workflow.start(procedureWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId,
      args: [{ definition, params: r.params, guidanceDecisionId: r.guidanceDecisionId, startedBy: r.startedBy }],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'WorkflowOrchestrator' }],
      memo: { procedure: definition.name, version: definition.version, step: null },
    });
    return { workflowId, version: definition.version };
  }

  status(workflowId: string): Promise<ProcedureStatus> {
    return this.temporal.workflow.getHandle(workflowId).query(procedureStatusQuery);
  }

  /** Waits for the run to end; its final status (a failed run's too). */
  async result(workflowId: string): Promise<ProcedureStatus> {
    try {
      return (await this.temporal.workflow.getHandle<typeof procedureWorkflow>(workflowId).result()) as ProcedureStatus;
    } catch {
      return this.status(workflowId);
    }
  }

  /** Releases a blocked operation, or approves the approval step the run waits at. */
  approve(workflowId: string, approval: Approval): Promise<ProcedureStatus> {
    return this.temporal.workflow
      .getHandle(workflowId)
      .executeUpdate(approveUpdate, { args: [parseInput(approvalSchema, approval, 'approval')] });
  }

  /** Skips a step not yet run, recorded with who approved it and why. */
  skip(workflowId: string, skip: SkipStep): Promise<ProcedureStatus> {
    return this.temporal.workflow
      .getHandle(workflowId)
      .executeUpdate(skipStepUpdate, { args: [parseInput(skipStepSchema, skip, 'skip')] });
  }

  /** Starts an orchestration of a goal; returns its workflow id. @throws ValidationError on bad input. */
  async orchestrate(input: OrchestrateInput): Promise<{ workflowId: string }> {
    const parsed = parseInput(orchestrateInputSchema, input, 'orchestration');
    const workflowId = `orchestrate/${randomUUID()}`;
    await this.temporal.workflow.start(orchestrateWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId,
      args: [parsed],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.agent, value: 'WorkflowOrchestrator' },
        ...(parsed.tenantId ? [{ key: SEARCH_ATTRIBUTES.tenant, value: parsed.tenantId }] : []),
      ],
      memo: { goal: parsed.goal.slice(0, 200) },
    });
    return { workflowId };
  }

  orchestrationStatus(workflowId: string) {
    return this.temporal.workflow.getHandle(workflowId).query(orchestrationStatusQuery);
  }

  /** Waits for an orchestration to end; its final status (a failed one's too). */
  async orchestrationResult(workflowId: string) {
    try {
      return await this.temporal.workflow.getHandle<typeof orchestrateWorkflow>(workflowId).result();
    } catch {
      return this.orchestrationStatus(workflowId);
    }
  }
}
