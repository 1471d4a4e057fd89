import type { Command } from 'commander';
import type { CliContext } from '../context';
import { printJson, printLines, printTable } from '../output';

export function registerOperationCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('start')
    .description('the whole local stack: PostgreSQL, migrations, Temporal dev server, schedules, worker')
    .action(async () => {
      const { config, logger } = ctx();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runStack } = require('../../stack/start') as typeof import('../../stack/start');
      await runStack(config, logger, { servers: true });
    });

  program
    .command('worker')
    .description(
      'one more worker: against TEMPORAL_ADDRESS and DATABASE_URL, or the servers of a running `brainops start`',
    )
    .action(async () => {
      const { config, logger } = ctx();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runStack } = require('../../stack/start') as typeof import('../../stack/start');
      await runStack(config, logger, { servers: false });
    });

  const schedules = program.command('schedules').description('the declared Temporal Schedules');
  schedules
    .command('apply')
    .description('create or update the declared schedules')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const applied = await (await ctx().client()).applySchedules();
      if (o.json) printJson(applied);
      else
        printTable(
          applied.map((a) => ({ ...a })),
          ['scheduleId', 'outcome'],
        );
    });
  schedules
    .command('list')
    .description('schedules in the namespace and their next run')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await (await ctx().client()).listSchedules();
      if (o.json) printJson(list);
      else
        printTable(
          list.map((s) => ({ ...s })),
          ['scheduleId', 'workflowType', 'paused', 'nextRunAt', 'recentRuns'],
        );
    });

  program
    .command('brief')
    .description('session-start brief for a new AI session: last context, open tasks, system status, recent errors')
    .requiredOption('-t, --tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action(async (o: { tenant: string; json?: boolean }) => {
      if (o.json) printJson((await ctx().call((api) => api.operator.brief, { tenantId: o.tenant })).brief);
      else process.stdout.write(await ctx().call((api) => api.operator.briefMarkdown, { tenantId: o.tenant }));
    });

  const monitor = program.command('monitor').description('SystemMonitor');
  monitor
    .command('run')
    .description('run the health checks now (all configured targets, or those named) and print the results')
    .argument('[targets...]', 'names of configured health targets')
    .option('--json', 'print JSON')
    .action(async (names: string[], o: { json?: boolean }) => {
      const result = await (await ctx().client()).runMonitor(names.length > 0 ? names : undefined);
      if (o.json) return printJson(result);
      printTable(
        result.results.map((r) => ({ ...r })),
        ['target', 'kind', 'status', 'latencyMs', 'error'],
      );
      for (const t of result.transitions) printLines(`state change: ${t.target} ${t.from} → ${t.to}`);
      if (result.results.some((r) => r.status === 'down')) process.exitCode = 2;
    });
}
