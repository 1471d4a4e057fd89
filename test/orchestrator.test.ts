/**
 * The WorkflowOrchestrator: a three-step DAG whose two independent steps run in parallel, given
 * to the agents with the better records, surviving a SIGKILL of its worker mid-step; the outcome
 * stored against the task's signature; plans composed from the registered capabilities.
 * Real Temporal dev server, real PostgreSQL, a worker in a process of its own.
 */
import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES } from '../src/agents';
import { composePlan } from '../src/activities/procedures';
import { taskSignature } from '../src/domain/guidance';
import type { OrchestrationResult } from '../src/contracts/orchestrator-messages';
import { eventually, testConfig, testWorker, useTestStack, spawnWorkerProcess } from './helpers';

const REMEDIATIONS = {
  slow: { kind: 'wait', delayMs: 3000, description: 'a step that takes a while' },
  quick: { kind: 'wait', delayMs: 10, description: 'a quick step' },
} as const;

describe('WorkflowOrchestrator (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  const q = (sql: string, params: unknown[] = []) => stack.store.pool.query(sql, params);

  async function seedWork(agent: string, action: string, ok: number, failed: number) {
    await q(
      `insert into work_history (agent_id, action, success, duration_ms, workflow_id, run_id, activity_id, attempt, started_at, finished_at)
       select $1, $2, g <= $3::int, 50, 'seed/' || $1 || '/' || $2, 'r', g::text, 1, now() - interval '1 hour', now() - interval '1 hour'
       from generate_series(1, $3::int + $4::int) g`,
      [agent, action, ok, failed],
    );
  }

  it('composes a plan from the registered capabilities: memory first, matching capabilities, tests last', () => {
    const plan = composePlan('deploy web and fix the checkout error', { testsRequired: true }, CAPABILITIES);
    assert.deepEqual(
      plan.map((s) => [s.id, s.dependsOn]),
      [
        ['consult-memory', []],
        ['deploy', ['consult-memory']],
        ['resolve-error', ['consult-memory']],
        ['verify-health', ['deploy', 'resolve-error']],
      ],
    );
    assert.equal(plan[1]!.procedure, 'memory-aware-deployment');
    assert.equal(plan[0]!.step?.kind === 'guidance' && plan[0]!.step.task, 'deploy web and fix the checkout error');
  });

  it('runs a three-step DAG: the independent steps in parallel, each by the agent with the better record, through a worker kill', async () => {
    const base = testConfig(stack.db.url);
    const config = { ...base, errorLearning: { ...base.errorLearning, remediations: REMEDIATIONS } };
    const client = stack.client(config);
    await seedWork('alpha', 'build-a', 10, 0);
    await seedWork('beta', 'build-a', 2, 8);
    await seedWork('beta', 'build-b', 10, 0);
    await seedWork('alpha', 'build-b', 1, 9);
    await seedWork('gamma', 'assemble', 9, 1);
    await seedWork('alpha', 'assemble', 3, 7);
    await stack.store.learning.refreshAgentPerformance({
      start: new Date(Date.now() - 2 * 3_600_000),
      end: new Date(),
    });

    const { child, exited } = spawnWorkerProcess(stack, config, {
      BRAINOPS_REMEDIATIONS: JSON.stringify(REMEDIATIONS),
    });
    const goal = 'build parts a and b, then assemble them';
    const slowStep = (id: string) => ({ id, kind: 'remediation' as const, action: 'slow', timeoutMs: 8000 });
    const { workflowId } = await client.procedures.orchestrate({
      goal,
      constraints: { testsRequired: false, rollbackPlan: 'discard the parts' },
      plan: [
        { id: 'a', capability: 'build-a', agents: ['beta', 'alpha'], step: slowStep('a') },
        { id: 'b', capability: 'build-b', agents: ['alpha', 'beta'], step: slowStep('b') },
        {
          id: 'c',
          capability: 'assemble',
          agents: ['alpha', 'gamma'],
          dependsOn: ['a', 'b'],
          step: { id: 'c', kind: 'remediation', action: 'quick' },
        },
      ],
    });
    try {
      await eventually(
        async () => {
          const rows = await stack.store.procedures.listOrchestrationSteps({ workflowId });
          return rows.filter((r) => r.status === 'running').length === 2 ? true : undefined;
        },
        60_000,
        'steps a and b running together',
      );
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const atKill = await stack.store.procedures.listOrchestrationSteps({ workflowId });
    assert.deepEqual(
      // Parallel steps: their rows come in whichever order they started.
      atKill.map((r) => [r.stepId, r.status]).sort(),
      [
        ['a', 'running'],
        ['b', 'running'],
      ].sort(),
      'killed in the middle of a and b',
    );

    const worker = await testWorker(stack.env, config, stack.store);
    const result = (await worker.runUntil(
      client.temporal.workflow.getHandle(workflowId).result(),
    )) as OrchestrationResult;
    assert.equal(result.state, 'succeeded', JSON.stringify(result));
    assert.deepEqual(
      result.steps.map((s) => [s.id, s.agent, s.status]),
      [
        ['a', 'alpha', 'succeeded'],
        ['b', 'beta', 'succeeded'],
        ['c', 'gamma', 'succeeded'],
      ],
    );
    const rows = Object.fromEntries(
      (await stack.store.procedures.listOrchestrationSteps({ workflowId })).map((r) => [r.stepId, r]),
    );
    const [a, b, c] = [rows.a!, rows.b!, rows.c!];
    assert.ok(a.startedAt < b.finishedAt! && b.startedAt < a.finishedAt!, 'a and b overlapped');
    assert.ok(c.startedAt >= a.finishedAt! && c.startedAt >= b.finishedAt!, 'c after both');

    const outcome = await q(
      'select signature, success, guidance_decision_id from task_outcomes where workflow_id = $1',
      [workflowId],
    );
    assert.equal(outcome.rows[0]?.signature, taskSignature(goal));
    assert.equal(outcome.rows[0]?.success, true);
    const decision = await stack.store.decisions.get({ id: Number(outcome.rows[0]?.guidance_decision_id) });
    assert.equal(decision?.outcomeSuccess, true, 'the guidance is linked to the outcome');
    const assignments = await q(
      "select decision from decision_log where agent_id = 'WorkflowOrchestrator' and decision like 'assign%' order by id",
    );
    assert.deepEqual(
      assignments.rows.map((r: { decision: string }) => r.decision),
      ['assign "build-a" to alpha', 'assign "build-b" to beta', 'assign "assemble" to gamma'],
    );
    const recorded = await q(
      "select agent_id, action, success from work_history where workflow_id = $1 and activity_id like 'orchestrated-step/%' order by action",
      [workflowId],
    );
    assert.deepEqual(
      recorded.rows.map((r: { agent_id: string; action: string }) => `${r.agent_id}/${r.action}`),
      ['gamma/assemble', 'alpha/build-a', 'beta/build-b'],
      "each step counts towards its agent's record",
    );
    assert.ok(
      await stack.store.entries.retrieve(memoryInput.identity({ key: `orchestration/${workflowId}`, scope: 'global' })),
    );

    // Learned: guidance for the same goal now finds the past task.
    const g = await client.guidance({ task: goal });
    assert.ok(
      g.evidence.some((e) => e.id === `task:${workflowId}` && e.successes === 1),
      JSON.stringify(g.evidence),
    );
  });
});
