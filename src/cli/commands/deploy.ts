import type { Command } from 'commander';
import type { DeploymentStatusReport } from '../../client/deployments';
import type { CliContext } from '../context';
import { countOption } from '../options';
import { printJson, printLines, printTable } from '../output';

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

function printStatus(s: DeploymentStatusReport): void {
  printLines(
    `${s.workflowId}: ${s.state}${s.awaitingApproval ? ` (waiting for approval: ${s.awaitingApproval})` : ''}`,
    `target ${s.target}, ref ${s.ref}${s.commit ? ` (${s.commit})` : ''}, ${s.kind} started by ${s.startedBy}, ${seconds(s.elapsedMs)} elapsed`,
    ...(s.risk === undefined ? [] : [`pre-check risk ${s.risk}: ${s.riskReasons?.join('; ')}`]),
    ...(s.rollback
      ? [`rollback to ${s.rollback.to ?? 'no release'}: ${s.rollback.verified ? 'verified' : 'NOT verified'}`]
      : []),
    ...(s.error ? [`error: ${s.error}`] : []),
  );
  printTable(
    s.steps.map((step) => ({
      step: step.name,
      env: step.environment,
      status: step.status,
      time: seconds(step.status === 'running' ? s.stepElapsedMs : step.durationMs),
      detail: step.detail?.slice(0, 80),
    })),
    ['step', 'env', 'status', 'time', 'detail'],
  );
  const tail = s.liveLogTail ?? [...s.steps].reverse().find((step) => step.logTail)?.logTail;
  if (tail) printLines('--- output (tail) ---', tail.trimEnd().split('\n').slice(-20).join('\n'));
}

export function registerDeployCommands(program: Command, ctx: () => CliContext): void {
  const deploy = program
    .command('deploy')
    .description('DeploymentManager: deployments of the targets in BRAINOPS_DEPLOY_TARGETS');
  const client = async () => (await ctx().client()).deployments;

  deploy
    .command('start')
    .description('deploy a ref (branch, tag or commit) of a target; prints the workflow id')
    .argument('<target>', 'deployment target')
    .argument('<ref>', 'git ref')
    .option('--by <name>', 'who starts it, for the record', process.env.USER ?? 'brainops')
    .option('--force', 'go on even if the pre-check would block or ask for approval (logged)')
    .option('--wait', 'wait until it has finished and print its status')
    .option('--json', 'print JSON')
    .action(async (target: string, ref: string, o: { by: string; force?: boolean; wait?: boolean; json?: boolean }) => {
      const deployments = await client();
      const started = await deployments.start({ target, ref, startedBy: o.by, force: o.force ?? false });
      if (o.wait) {
        await (
          await ctx().client()
        ).temporal.workflow
          .getHandle(started.workflowId)
          .result()
          .catch(() => undefined);
        const status = await deployments.status(started.workflowId);
        if (o.json) printJson(status);
        else printStatus(status);
        if (status.state !== 'succeeded') process.exitCode = 2;
        return;
      }
      if (o.json) printJson(started);
      else
        printLines(
          `Deployment ${started.workflowId} started; follow it with \`brainops deploy status ${started.workflowId}\``,
        );
    });

  deploy
    .command('status')
    .description('live status of a deployment: step, elapsed time, output tail')
    .argument('<id>', 'workflow id (deploy/<target>/<ref>)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const status = await (await client()).status(id);
      if (o.json) printJson(status);
      else printStatus(status);
    });

  for (const [name, description] of [
    ['approve', 'let a deployment waiting at an approval gate go on'],
    ['reject', 'stop a deployment waiting at an approval gate (everything done is undone)'],
    ['cancel', 'stop a deployment now: the running step is cancelled and everything done is undone'],
  ] as const) {
    deploy
      .command(name)
      .description(description)
      .argument('<id>', 'workflow id (deploy/<target>/<ref>)')
      .option('--by <name>', 'who decides, for the record', process.env.USER ?? 'brainops')
      .option('--comment <text>', 'why')
      .action(async (id: string, o: { by: string; comment?: string }) => {
        await (await client())[name](id, o.by, o.comment);
        printLines(`Sent ${name} to ${id}`);
      });
  }

  deploy
    .command('history')
    .description('deployments of a target, newest first')
    .argument('<target>', 'deployment target')
    .option('--limit <n>', 'how many', countOption, 20)
    .option('--json', 'print JSON')
    .action(async (target: string, o: { limit: number; json?: boolean }) => {
      const rows = await ctx().call(ctx().api.deployments.history, { target, limit: o.limit });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((r) => ({
          id: r.id,
          started: r.startedAt,
          ref: r.ref,
          commit: r.commit?.slice(0, 12),
          kind: r.kind,
          status: r.status,
          risk: r.risk,
          by: r.startedBy,
          failed: r.failedStep,
          rollback: r.rollback
            ? `${r.rollback.to?.slice(0, 12) ?? 'none'}${r.rollback.verified ? '' : ' (not verified)'}`
            : '',
        })),
        ['id', 'started', 'ref', 'commit', 'kind', 'status', 'risk', 'by', 'failed', 'rollback'],
      );
    });

  deploy
    .command('rollback')
    .description('go back to the previous good release of a target')
    .argument('<target>', 'deployment target')
    .option('--by <name>', 'who starts it, for the record', process.env.USER ?? 'brainops')
    .option('--json', 'print JSON')
    .action(async (target: string, o: { by: string; json?: boolean }) => {
      const r = await ctx().call(ctx().api.deployments.rollback, { target, startedBy: o.by });
      if (o.json) printJson(r);
      else printLines(`Rolling ${target} back to ${r.commit}: ${r.workflowId}`);
    });
}
