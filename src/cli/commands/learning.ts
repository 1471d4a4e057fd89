import type { Command } from 'commander';
import type { CliContext } from '../context';
import { printJson, printLines, printTable } from '../output';

export function registerLearningCommands(program: Command, ctx: () => CliContext): void {
  const learning = program
    .command('learning')
    .description('the learning cycles (five-minute, hourly, daily) and their insights');
  learning
    .command('run')
    .description(
      'run a cycle for one window now (default: the last complete window); re-running a window changes nothing',
    )
    .argument('<cycle>', 'five-minute | hourly | daily')
    .option('--window-end <time>', 'end of the window, ISO-8601 (e.g. 2026-11-21T12:05:00Z)')
    .option('--json', 'print JSON')
    .action(async (cycle: string, o: { windowEnd?: string; json?: boolean }) => {
      const outcome = await (
        await ctx().client()
      ).runLearningCycle({ cycle: cycle as 'daily', windowEnd: o.windowEnd });
      if (o.json) return printJson(outcome);
      const r = outcome.result;
      printLines(`${outcome.cycle} window ${r.window.start} – ${r.window.end}`);
      if (outcome.cycle === 'five-minute') {
        const f = outcome.result;
        printLines(
          `  ${f.runs} agent actions, ${f.errorEvents} error events; ${f.risingPatterns.length} rising pattern(s), ${f.lowSuccess.length} low-success capability(ies)`,
        );
      } else if (outcome.cycle === 'hourly') {
        printLines(`  ${outcome.result.insights.length} recommendation(s), ${outcome.result.actionable} actionable`);
      } else {
        printLines(`  ${outcome.result.report}`);
      }
    });
  learning
    .command('insights')
    .description('insights in memory (findings, patterns, recommendations), most severe first')
    .option('--prefix <key>', 'key prefix, e.g. insight/database/memory/', 'insight/')
    .option('--open', 'only open findings')
    .option('--json', 'print JSON')
    .action(async (o: { prefix: string; open?: boolean; json?: boolean }) => {
      const rows = await ctx().call(ctx().api.operator.insights, {
        keyPrefix: o.prefix,
        status: o.open ? 'open' : undefined,
      });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((r) => ({
          severity: r.severity,
          kind: r.kind,
          actionable: r.actionable ? 'yes' : '',
          seen: r.timesSeen ?? '',
          title: r.title.slice(0, 100),
        })),
        ['severity', 'kind', 'actionable', 'seen', 'title'],
      );
    });
}
