import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { Guidance } from '../../contracts/guidance';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import type { OrchestrationStatus } from '../../contracts/orchestrator-messages';
import type { CliContext } from '../context';
import { idOption, jsonObjectOption } from '../options';
import { printJson, printLines, printTable } from '../output';

/** `--param key=value` (repeatable); a value that parses as JSON keeps its type. */
function paramOption(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected key=value.');
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

function versionOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a version (1, 2, …).');
  return n;
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`${file}: ${(error as Error).message}`);
  }
}

function printGuidance(g: Guidance): void {
  printLines(
    `decision ${g.decisionId} · confidence ${g.confidence}`,
    `recommended: ${g.primary.summary} (score ${g.primary.score})`,
    ...g.primary.reasons.map((r) => `  - ${r}`),
  );
  if (g.alternatives.length) {
    printLines('alternatives:');
    printLines(...g.alternatives.map((a) => `  ${a.score.toFixed(3)}  ${a.summary}`));
  }
  if (g.evidence.length) {
    printLines('evidence:');
    printTable(
      g.evidence.slice(0, 15).map((e) => ({
        id: e.id,
        relevance: e.relevance,
        record: e.successRate === undefined ? '' : `${e.successes ?? 0}✓ ${e.failures ?? 0}✗`,
        title: e.title.slice(0, 80),
      })),
      ['id', 'relevance', 'record', 'title'],
    );
  }
}

function printProcedureStatus(workflowId: string, s: ProcedureStatus): void {
  printLines(
    `${workflowId}: ${s.procedure} v${s.version} (${s.enforcement}) — ${s.state}${s.waitingFor ? `: ${s.waitingFor}` : ''}`,
  );
  if (s.guidanceDecisionId) printLines(`guidance decision ${s.guidanceDecisionId}`);
  for (const w of s.warnings) printLines(`warning: ${w}`);
  printTable(
    s.steps.map((step) => ({
      step: step.id,
      kind: step.kind,
      status: step.status,
      approvedBy: step.approvedBy ?? '',
      detail: (step.error ?? step.reason ?? (step.result === undefined ? '' : JSON.stringify(step.result))).slice(
        0,
        80,
      ),
    })),
    ['step', 'kind', 'status', 'approvedBy', 'detail'],
  );
}

function printOrchestration(workflowId: string, s: OrchestrationStatus): void {
  printLines(
    `${workflowId}: ${s.state} — "${s.goal}" (plan: ${s.planSource}, guidance decision ${s.guidanceDecisionId ?? '-'})`,
  );
  printTable(
    s.steps.map((step) => ({
      step: step.id,
      capability: step.capability,
      agent: step.agent ?? '',
      after: step.dependsOn.join(','),
      status: step.status,
      started: step.startedAt?.slice(11, 23) ?? '',
      finished: step.finishedAt?.slice(11, 23) ?? '',
      error: step.error?.slice(0, 60) ?? '',
    })),
    ['step', 'capability', 'agent', 'after', 'status', 'started', 'finished', 'error'],
  );
}

export function registerProcedureCommands(program: Command, ctx: () => CliContext): void {
  const guidance = program
    .command('guidance')
    .description('what memory recommends for a task: a primary recommendation, alternatives, confidence, evidence')
    .argument('<task>', 'the task, in your words')
    .option('--context <json>', 'context of the task (a JSON object)')
    .option('--tenant <id>', 'tenant whose memory is searched (with shared memory)')
    .option('--json', 'print JSON')
    .action(async (task: string, o: { context?: string; tenant?: string; json?: boolean }) => {
      const g = await ctx().call(ctx().api.procedures.guidance, {
        task,
        context: jsonObjectOption('--context', o.context),
        tenantId: o.tenant,
        requestedBy: 'client',
      });
      if (o.json) return printJson(g);
      printGuidance(g);
    });
  guidance
    .command('outcome')
    .description('link the outcome of the operation a guidance decision guided')
    .argument('<decision-id>', 'the decision id guidance printed', idOption)
    .option('--failed', 'the operation failed (default: it succeeded)')
    .option('--detail <json>', 'what happened (a JSON object)')
    .action(async (decisionId: number, o: { failed?: boolean; detail?: string }) => {
      await ctx().call(ctx().api.procedures.guidanceOutcome, {
        decisionId,
        success: !o.failed,
        detail: jsonObjectOption('--detail', o.detail),
      });
      printLines(`decision ${decisionId}: ${o.failed ? 'failed' : 'succeeded'}`);
    });

  const procedure = program.command('procedure').description('operational procedures: definitions and runs');
  procedure
    .command('list')
    .description('stored procedures (newest version of each; --all for every version)')
    .option('--all', 'every version')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const rows = await ctx().call(ctx().api.procedures.list, { allVersions: o.all });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((p) => ({
          name: p.name,
          version: p.version,
          enforcement: p.enforcement,
          steps: p.definition.steps.map((s) => `${s.id}:${s.kind}`).join(' → '),
          source: p.source,
        })),
        ['name', 'version', 'enforcement', 'source', 'steps'],
      );
    });
  procedure
    .command('show')
    .description('a procedure version (the newest unless --version)')
    .argument('<name>')
    .option('--version <n>', 'version', versionOption)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { version?: number; json?: boolean }) => {
      const p = await ctx().call(ctx().api.procedures.show, { name, version: o.version });
      if (o.json) return printJson(p);
      printLines(`${p.name} v${p.version} (${p.enforcement}, ${p.source}): ${p.description}`);
      const params = Object.entries(p.definition.params);
      if (params.length)
        printLines(
          `parameters: ${params.map(([k, d]) => `${k}${d.required ? '' : '?'}${d.description ? ` (${d.description})` : ''}`).join(', ')}`,
        );
      printTable(
        p.definition.steps.map((s) => ({ step: s.id, kind: s.kind, what: JSON.stringify(s).slice(0, 100) })),
        ['step', 'kind', 'what'],
      );
    });
  procedure
    .command('define')
    .description('store a procedure version from a JSON file (versions are immutable)')
    .argument('<file>', 'a JSON procedure definition')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const stored = await ctx().call(ctx().api.procedures.define, readJsonFile(file));
      if (o.json) return printJson(stored);
      printLines(`${stored.name} v${stored.version}: ${stored.created ? 'stored' : 'already stored'}`);
    });
  procedure
    .command('run')
    .description('run a procedure version (the newest unless --version); --wait to wait for its end')
    .argument('<name>')
    .option('--version <n>', 'version', versionOption)
    .option('--param <key=value>', 'a run parameter (repeatable)', paramOption)
    .option('--guidance <decision-id>', 'the guidance decision this run follows', idOption)
    .option('--by <who>', 'who starts it', 'cli')
    .option('--wait', 'wait for the run to end')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        o: {
          version?: number;
          param?: Record<string, unknown>;
          guidance?: number;
          by: string;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        const client = await ctx().client();
        const { workflowId } = await ctx().call(ctx().api.procedures.run, {
          name,
          version: o.version,
          params: o.param ?? {},
          guidanceDecisionId: o.guidance,
          startedBy: o.by,
        });
        const status = o.wait ? await client.procedures.result(workflowId) : await client.procedures.status(workflowId);
        if (o.json) return printJson({ workflowId, ...status });
        printProcedureStatus(workflowId, status);
        if (o.wait && status.state === 'failed') process.exitCode = 1;
      },
    );
  procedure
    .command('status')
    .description('the live status of a procedure run')
    .argument('<workflow-id>')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, o: { json?: boolean }) => {
      const status = await (await ctx().client()).procedures.status(workflowId);
      if (o.json) return printJson(status);
      printProcedureStatus(workflowId, status);
    });
  procedure
    .command('approve')
    .description('release a blocked operation, or approve the approval step a run waits at')
    .argument('<workflow-id>')
    .requiredOption('--by <who>', 'who approves')
    .requiredOption('--reason <why>', 'why')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, o: { by: string; reason: string; json?: boolean }) => {
      const status = await (
        await ctx().client()
      ).procedures.approve(workflowId, { approvedBy: o.by, reason: o.reason });
      if (o.json) return printJson(status);
      printProcedureStatus(workflowId, status);
    });
  procedure
    .command('skip')
    .description('skip a step not yet run (recorded with who approved it and why)')
    .argument('<workflow-id>')
    .argument('<step>')
    .requiredOption('--by <who>', 'who approves the skip')
    .requiredOption('--reason <why>', 'why')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, stepId: string, o: { by: string; reason: string; json?: boolean }) => {
      const status = await (
        await ctx().client()
      ).procedures.skip(workflowId, { stepId, approvedBy: o.by, reason: o.reason });
      if (o.json) return printJson(status);
      printProcedureStatus(workflowId, status);
    });

  program
    .command('orchestrate')
    .description(
      'WorkflowOrchestrator: guidance, a plan (given, a procedure, or composed), steps given to the best agents, run as a DAG',
    )
    .argument('<goal>', 'what is to be achieved')
    .option('--plan <file>', 'a JSON file with the plan: [{id, capability, agents, dependsOn, step | procedure}]')
    .option('--procedure <name>', 'run this procedure as the plan')
    .option('--param <key=value>', 'a parameter of the procedure (repeatable)', paramOption)
    .option('--deadline <time>', 'ISO-8601: steps not done by then fail')
    .option('--tests', 'tests required: a health verification after the other steps')
    .option('--rollback <plan>', 'the rollback plan, recorded with a failed outcome')
    .option('--tenant <id>', 'tenant')
    .option('--no-wait', 'return once started')
    .option('--json', 'print JSON')
    .action(
      async (
        goal: string,
        o: {
          plan?: string;
          procedure?: string;
          param?: Record<string, unknown>;
          deadline?: string;
          tests?: boolean;
          rollback?: string;
          tenant?: string;
          wait: boolean;
          json?: boolean;
        },
      ) => {
        const client = await ctx().client();
        const { workflowId } = await client.procedures.orchestrate({
          goal,
          tenantId: o.tenant,
          constraints: { deadline: o.deadline, testsRequired: o.tests ?? false, rollbackPlan: o.rollback },
          plan: o.plan ? (readJsonFile(o.plan) as never) : undefined,
          procedure: o.procedure,
          params: (o.param ?? {}) as never,
        });
        const status = o.wait
          ? await client.procedures.orchestrationResult(workflowId)
          : await client.procedures.orchestrationStatus(workflowId).catch(() => undefined);
        if (o.json) return printJson({ workflowId, ...status });
        if (status) printOrchestration(workflowId, status);
        else printLines(`${workflowId}: started`);
        if (status?.state === 'failed') process.exitCode = 1;
      },
    );
}
