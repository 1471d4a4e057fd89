/**
 * Guidance and procedures: guidance ranks a fix that worked above one that failed and is logged
 * with its outcome; bad procedure definitions are refused naming the field; the built-ins are
 * stored; `procedureWorkflow` blocks an unguided operation under `strict` until approved, records
 * a skipped step with its approver, and runs remediation, workflow and guidance steps.
 * Real Temporal dev server, real PostgreSQL.
 */
import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../src/contracts/errors';
import { BUILTIN_PROCEDURES } from '../src/agents';
import { storeBuiltinProcedures } from '../src/worker';
import type { ProcedureDefinitionInput } from '../src/contracts/procedure';
import type { ProcedureComplianceFigures } from '../src/contracts/learning';
import { eventually, logger, testConfig, testWorker, useTestStack } from './helpers';

const fields = (error: unknown) =>
  error instanceof ValidationError ? error.issues.map((i) => i.field) : [`not a ValidationError: ${String(error)}`];

describe('guidance and procedures (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  const config = () => {
    const base = testConfig(stack.db.url);
    return {
      ...base,
      errorLearning: {
        ...base.errorLearning,
        remediations: { pause: { kind: 'wait' as const, delayMs: 10, description: 'a short pause' } },
      },
    };
  };

  it('guidance ranks a fix that worked above one that failed, logs the decision and links the outcome', async () => {
    const store = stack.store;
    const worked = await store.knowledge.upsertSolution({
      problemSignature: 'TimeoutError: checkout cache timed out after <n> ms',
      description: 'restart the checkout cache',
      action: 'restart-cache',
      params: {},
      source: 'human',
      exampleMessage: 'checkout cache timed out',
    });
    const failed = await store.knowledge.upsertSolution({
      problemSignature: 'TimeoutError: checkout cache timeout, flush dns',
      description: 'flush the DNS cache of checkout',
      action: 'flush-dns',
      params: {},
      source: 'human',
      exampleMessage: 'checkout cache timed out',
    });
    for (let i = 0; i < 5; i++) {
      await store.knowledge.recordSolutionOutcome({ id: worked.id, success: true });
      await store.knowledge.recordSolutionOutcome({ id: failed.id, success: false });
    }
    await store.entries.store(
      memoryInput.store({
        key: 'runbook/checkout-cache',
        title: 'Checkout cache runbook',
        content: 'When the checkout cache times out, restart it; flushing DNS did not help last time.',
        memoryType: 'knowledge',
        scope: 'global',
      }),
    );
    const client = stack.client(config());
    const g = await client.guidance({ task: 'the checkout cache timed out', context: { service: 'checkout' } });
    assert.equal(g.primary.kind, 'solution');
    assert.equal(g.primary.ref, 'restart-cache', JSON.stringify(g.primary));
    const alt = g.alternatives.find((a) => a.ref === 'flush-dns');
    assert.ok(alt, 'the failed fix is an alternative');
    assert.ok(g.primary.score > alt.score, `${g.primary.score} > ${alt.score}`);
    assert.ok(g.confidence > 0 && g.confidence <= 1, `confidence ${g.confidence}`);
    assert.ok(g.evidence.some((e) => e.id === `solution:${worked.id}` && e.successes === 5));
    assert.ok(
      g.evidence.some((e) => e.kind === 'memory'),
      'the runbook found by hybrid search',
    );
    assert.ok(g.reasons.length > 0);

    const decision = await store.decisions.get({ id: g.decisionId });
    assert.equal(decision?.agentId, 'client');
    assert.equal(decision?.context.kind, 'guidance');
    await client.recordGuidanceOutcome({ decisionId: g.decisionId, success: true, detail: { by: 'test' } });
    assert.equal((await store.decisions.get({ id: g.decisionId }))?.outcomeSuccess, true);
    await assert.rejects(client.recordGuidanceOutcome({ decisionId: 999_999, success: true }), (e) => {
      assert.deepEqual(fields(e), ['decisionId']);
      return true;
    });
  });

  it('refuses bad procedure definitions naming the field, and keeps versions immutable', async () => {
    const client = stack.client(config());
    const good: ProcedureDefinitionInput = {
      name: 'restart-and-check',
      version: 1,
      enforcement: 'strict',
      params: { why: { description: 'reason' } },
      steps: [
        { id: 'consult', kind: 'guidance', task: 'restart because {{why}}' },
        { id: 'pause', kind: 'remediation', action: 'pause' },
      ],
    };
    const refused = async (def: unknown, expected: string[]) =>
      assert.rejects(client.defineProcedure(def as ProcedureDefinitionInput), (e) => {
        assert.deepEqual(fields(e), expected, String(e));
        return true;
      });
    await refused({ ...good, name: 'Bad Name' }, ['name']);
    await refused({ ...good, steps: [good.steps[0], { ...good.steps[0] }] }, ['steps.1.id']);
    await refused({ ...good, steps: [{ id: 'x', kind: 'teleport' }] }, ['steps.0.kind']);
    await refused({ ...good, steps: [{ id: 'x', kind: 'remediation', action: 'rm-rf' }] }, ['steps.0.action']);
    await refused({ ...good, steps: [{ id: 'x', kind: 'workflow', workflowType: 'noSuchWorkflow' }] }, [
      'steps.0.workflowType',
    ]);
    await refused({ ...good, steps: [{ id: 'x', kind: 'guidance', task: 'about {{nothing}}' }] }, ['steps.0.task']);
    await refused({ ...good, steps: [{ id: 'x', kind: 'webhook', url: 'ftp://example.com' }] }, ['steps.0.url']);
    await refused({ ...good, enforcement: 'sometimes' }, ['enforcement']);
    await refused({ ...good, steps: [] }, ['steps']);

    assert.deepEqual(await client.defineProcedure(good), { name: 'restart-and-check', version: 1, created: true });
    assert.equal((await client.defineProcedure(good)).created, false, 'the same definition again changes nothing');
    await refused({ ...good, description: 'changed' }, ['version']);
    assert.equal((await client.defineProcedure({ ...good, version: 2, description: 'changed' })).created, true);
    assert.equal((await client.showProcedure({ name: 'restart-and-check' })).version, 2);
    assert.equal((await client.showProcedure({ name: 'restart-and-check', version: 1 })).definition.description, '');
    await assert.rejects(client.runProcedure({ name: 'restart-and-check', params: {} }), (e) => {
      assert.deepEqual(fields(e), ['params.why']);
      return true;
    });
    await assert.rejects(client.runProcedure({ name: 'nope' }), (e) => {
      assert.deepEqual(fields(e), ['name']);
      return true;
    });
  });

  it('stores the six built-in procedures', async () => {
    await storeBuiltinProcedures(stack.store, config(), logger);
    const names = (await stack.store.procedures.list()).filter((p) => p.source === 'builtin').map((p) => p.name);
    assert.deepEqual(names.sort(), BUILTIN_PROCEDURES.map((p) => p.name).sort());
    assert.equal(names.length, 6);
  });

  it('strict: an operation started without guidance is blocked until approved; a skipped step is recorded with its approver', async () => {
    const cfg = config();
    const client = stack.client(cfg);
    await client.defineProcedure({
      name: 'unguided-op',
      version: 1,
      enforcement: 'strict',
      steps: [
        { id: 'pause', kind: 'remediation', action: 'pause', retry: { maximumAttempts: 2 } },
        { id: 'confirm', kind: 'approval', prompt: 'all good?' },
        { id: 'second-pause', kind: 'remediation', action: 'pause' },
        { id: 'learn', kind: 'workflow', workflowType: 'learningCycleWorkflow', args: [{ cycle: 'five-minute' }] },
      ],
    });
    const worker = await testWorker(stack.env, cfg, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.runProcedure({ name: 'unguided-op', startedBy: 'test' });
      const blocked = await eventually(async () => {
        const s = await client.procedures.status(workflowId);
        return s.state === 'blocked' ? s : undefined;
      });
      assert.equal(blocked.currentStep, 'pause');
      assert.equal(blocked.steps[0]!.status, 'blocked');
      assert.match(blocked.waitingFor ?? '', /without consulting guidance/);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await client.procedures.status(workflowId)).state, 'blocked', 'it stays blocked');

      await assert.rejects(client.procedures.skip(workflowId, { stepId: 'nope', approvedBy: 'ann', reason: 'x' }));
      const skipped = await client.procedures.skip(workflowId, {
        stepId: 'second-pause',
        approvedBy: 'ann',
        reason: 'not needed today',
      });
      assert.equal(skipped.steps[2]!.status, 'pending', 'skipped when it comes up');
      await client.procedures.approve(workflowId, { approvedBy: 'bob', reason: 'an emergency; guidance later' });
      await eventually(async () =>
        (await client.procedures.status(workflowId)).state === 'waiting-approval' ? true : undefined,
      );
      await client.procedures.approve(workflowId, { approvedBy: 'carol', reason: 'looks fine' });
      const done = await client.procedures.result(workflowId);
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.deepEqual(
        done.steps.map((s) => [s.id, s.status, s.approvedBy ?? null]),
        [
          ['pause', 'succeeded', 'bob'],
          ['confirm', 'succeeded', 'carol'],
          ['second-pause', 'skipped', 'ann'],
          ['learn', 'succeeded', null],
        ],
      );
      const events = await stack.store.procedures.listStepEvents({ workflowId });
      assert.deepEqual(
        events.map((e) => [e.stepId, e.event, e.approvedBy]),
        [
          ['pause', 'blocked', null],
          ['pause', 'released', 'bob'],
          ['pause', 'ran', null],
          ['confirm', 'approved', 'carol'],
          ['second-pause', 'skipped', 'ann'],
          ['learn', 'ran', null],
        ],
      );
      assert.equal(events.find((e) => e.event === 'skipped')?.reason, 'not needed today');
      const desc = await client.temporal.workflow.getHandle(workflowId).describe();
      assert.equal(desc.searchAttributes.BrainOpsAgent?.[0], 'WorkflowOrchestrator');
      assert.deepEqual(
        desc.memo,
        { procedure: 'unguided-op', version: 1, state: 'succeeded' },
        'no current step once done',
      );
    });
  });

  it('a guided run is not blocked: the guidance step consults memory first; warn goes on with a warning', async () => {
    const cfg = config();
    const client = stack.client(cfg);
    await client.defineProcedure({
      name: 'guided-op',
      version: 1,
      enforcement: 'strict',
      params: { what: {} },
      steps: [
        { id: 'consult', kind: 'guidance', task: 'pause {{what}}' },
        { id: 'pause', kind: 'remediation', action: 'pause' },
      ],
    });
    await client.defineProcedure({
      name: 'warned-op',
      version: 1,
      enforcement: 'warn',
      steps: [{ id: 'pause', kind: 'remediation', action: 'pause' }],
    });
    const worker = await testWorker(stack.env, cfg, stack.store);
    await worker.runUntil(async () => {
      const guided = await client.runProcedure({ name: 'guided-op', params: { what: 'the cache' } });
      const g = await client.procedures.result(guided.workflowId);
      assert.equal(g.state, 'succeeded', JSON.stringify(g));
      assert.ok(g.guidanceDecisionId);
      const decision = await stack.store.decisions.get({ id: g.guidanceDecisionId });
      assert.equal(decision?.outcomeSuccess, true, 'the run is the outcome of its guidance');
      const warned = await client.procedures.result((await client.runProcedure({ name: 'warned-op' })).workflowId);
      assert.equal(warned.state, 'succeeded');
      assert.equal(warned.warnings.length, 1);
    });
  });
  it('the five-minute cycle reports procedure compliance; the hourly one the success rate per procedure version', async () => {
    const cfg = config();
    const client = stack.client(cfg);
    const worker = await testWorker(stack.env, cfg, stack.store);
    // The window that holds the runs above: the one ending at the next five-minute boundary.
    const windowEnd = new Date(Math.ceil((Date.now() + 1) / 300_000) * 300_000).toISOString();
    const hourEnd = new Date(Math.ceil((Date.now() + 1) / 3_600_000) * 3_600_000).toISOString();
    await worker.runUntil(async () => {
      // This window and the one before (the runs above may straddle a boundary), added up.
      const compliance: ProcedureComplianceFigures[] = [];
      for (const end of [windowEnd, new Date(Date.parse(windowEnd) - 300_000).toISOString()]) {
        const five = await client.runLearningCycle({ cycle: 'five-minute', windowEnd: end });
        if (five.cycle === 'five-minute') compliance.push(...(five.result.procedureCompliance ?? []));
      }
      const sum = (name: string) =>
        compliance
          .filter((c) => c.procedure === name)
          .reduce(
            (t, c) => ({
              ran: t.ran + c.ran,
              skipped: t.skipped + c.skipped,
              blocked: t.blocked + c.blocked,
              released: t.released + c.released,
              warned: t.warned + c.warned,
            }),
            { ran: 0, skipped: 0, blocked: 0, released: 0, warned: 0 },
          );
      const unguided = sum('unguided-op');
      assert.deepEqual(
        unguided && {
          ran: unguided.ran,
          skipped: unguided.skipped,
          blocked: unguided.blocked,
          released: unguided.released,
        },
        { ran: 2, skipped: 1, blocked: 1, released: 1 },
        JSON.stringify(compliance),
      );
      assert.equal(sum('warned-op').warned, 1);
      const hourly = await client.runLearningCycle({ cycle: 'hourly', windowEnd: hourEnd });
      const effectiveness = hourly.cycle === 'hourly' ? hourly.result.procedureEffectiveness : undefined;
      assert.deepEqual(
        effectiveness?.find((p) => p.procedure === 'guided-op'),
        { procedure: 'guided-op', version: 1, runs: 1, successes: 1, successRate: 1 },
      );
      const insights = await stack.store.insights.list({ keyPrefix: 'insight/procedure-' });
      assert.ok(insights.some((i) => i.key === 'insight/procedure-compliance/unguided-op/v1' && i.actionable));
      assert.ok(insights.some((i) => i.key === 'insight/procedure-effectiveness/guided-op/v1'));
    });
  });
});
