import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { countOption, durationOption, idOption, jsonObjectOption } from '../options';
import { printJson, printLines, printTable } from '../output';

const ms = (value: number | null) =>
  value === null ? '-' : value < 10_000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;

export function registerErrorCommands(program: Command, ctx: () => CliContext): void {
  const errors = program.command('errors').description('error events and their resolution');
  errors
    .command('report')
    .description('report an error from a service outside the worker (starts error-learning)')
    .requiredOption('--message <text>', 'the error message')
    .requiredOption('--source <name>', 'where it happened')
    .option('--type <errorType>', 'error type', 'Error')
    .option('--context <json>', 'context as a JSON object')
    .option('--workflow-id <id>', 'the Temporal workflow it came from (a workflow-reset fix resets it)')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        message: string;
        source: string;
        type: string;
        context?: string;
        workflowId?: string;
        json?: boolean;
      }) => {
        const r = await ctx().call((api) => api.knowledge.report, {
          errorType: o.type,
          message: o.message,
          source: o.source,
          context: jsonObjectOption('context', o.context) as never,
          workflowId: o.workflowId,
        });
        if (o.json) printJson(r);
        else printLines(`Error event ${r.errorEventId} (${r.signature}) → ${r.workflowId}`);
      },
    );
  errors
    .command('list')
    .description('recent error events')
    .option('--status <status>', 'open | resolved | ignored | escalated')
    .option('-t, --tenant <id>', "only this tenant's error events (default: those of no tenant)")
    .option('--all-tenants', "every tenant's error events (operator)")
    .option('--limit <n>', 'how many', countOption, 20)
    .option('--json', 'print JSON')
    .action(async (o: { status?: 'open'; tenant?: string; allTenants?: boolean; limit: number; json?: boolean }) => {
      const rows = await ctx().call((api) => api.knowledge.listErrors, {
        status: o.status,
        tenantId: o.tenant,
        allTenants: o.allTenants,
        limit: o.limit,
      });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((r) => ({
          id: r.id,
          at: r.occurredAt,
          status: r.status,
          source: r.source,
          message: r.message.slice(0, 70),
        })),
        ['id', 'at', 'status', 'source', 'message'],
      );
    });
  errors
    .command('summary')
    .description(
      'errors by signature over a window: occurrences, status, the fix that resolved them, time to resolution',
    )
    .addOption(new Option('--since <duration>', 'how far back').argParser(durationOption).default(86_400_000, '24h'))
    .option('--limit <n>', 'how many signatures', countOption, 20)
    .option('--json', 'print JSON')
    .action(async (o: { since: number; limit: number; json?: boolean }) => {
      const rows = await ctx().call((api) => api.knowledge.summarise, {
        since: new Date(Date.now() - o.since),
        limit: o.limit,
      });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((r) => ({
          seen: r.occurrences,
          open: r.open + r.escalated,
          resolved: r.resolved,
          'fixed with': r.resolvedWith ?? (r.resolved ? 'a person' : '-'),
          'p50 to fix': ms(r.medianResolutionMs),
          'p95 to fix': ms(r.p95ResolutionMs),
          signature: r.signature.slice(0, 60),
        })),
        ['seen', 'open', 'resolved', 'fixed with', 'p50 to fix', 'p95 to fix', 'signature'],
      );
    });
  errors
    .command('resolve')
    .description(
      'tell error-learning a person fixed an escalated error with a registered action (learned for next time)',
    )
    .argument('<errorEventId>', 'error event id', idOption)
    .requiredOption('--with <action>', 'registered remediation that fixed it')
    .option('--params <json>', 'its parameters as a JSON object')
    .option('--description <text>', 'what was done')
    .action(async (id: number, o: { with: string; params?: string; description?: string }) => {
      const r = await ctx().call((api) => api.knowledge.resolve, {
        errorEventId: id,
        action: o.with,
        params: jsonObjectOption('params', o.params) ?? {},
        description: o.description,
      });
      printLines(`Told ${r.workflowId}: resolved with "${o.with}"`);
    });

  const kb = program.command('kb').description('the knowledge base of solutions');
  kb.command('add')
    .description('teach a fix for a problem signature')
    .argument('<signature>', 'problem signature (see `brainops errors list --json`)')
    .requiredOption('--action <name>', 'registered remediation (BRAINOPS_REMEDIATIONS)')
    .requiredOption('--description <text>', 'what the fix does')
    .option('--params <json>', 'parameters as a JSON object')
    .option('--example <message>', 'an error message it fixes (similar messages find it by full-text)')
    .option('--json', 'print JSON')
    .action(
      async (
        signature: string,
        o: { action: string; description: string; params?: string; example?: string; json?: boolean },
      ) => {
        const { solution: s } = await ctx().call((api) => api.knowledge.addSolution, {
          problemSignature: signature,
          action: o.action,
          description: o.description,
          params: jsonObjectOption('params', o.params) as never,
          exampleMessage: o.example,
        });
        if (o.json) printJson(s);
        else printLines(`Solution ${s.id}: ${s.action} for ${s.problemSignature}`);
      },
    );
  kb.command('list')
    .description('solutions with their track record')
    .option('--all', 'include disabled ones')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const rows = await ctx().call((api) => api.knowledge.listSolutions, { includeDisabled: o.all });
      if (o.json) return printJson(rows);
      printTable(
        rows.map((s) => ({
          id: s.id,
          action: s.action,
          ok: s.successCount,
          failed: s.failureCount,
          source: s.source,
          signature: s.problemSignature.slice(0, 70),
        })),
        ['id', 'action', 'ok', 'failed', 'source', 'signature'],
      );
    });
  kb.command('show')
    .argument('<id>', 'solution id', idOption)
    .action(async (id: number) => {
      printJson(await ctx().call((api) => api.knowledge.showSolution, { id }));
    });
  kb.command('disable')
    .argument('<id>', 'solution id', idOption)
    .action(async (id: number) => {
      await ctx().call((api) => api.knowledge.disableSolution, { id });
      printLines(`Solution ${id} disabled`);
    });
}
