import type { Command } from 'commander';
import type { CliContext } from '../context';
import { printJson, printLines } from '../output';

/** `brainops erase` (start the erasure of a user or a whole tenant) and `brainops erase-status`. */
export function registerErasureCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('erase')
    .description(
      'erase a data subject for good: a user of a tenant (--user), or a whole tenant (--tenant alone, with --yes)',
    )
    .requiredOption('-t, --tenant <id>', 'the tenant')
    .option('-u, --user <id>', 'the user to erase (without it: the whole tenant)')
    .option('--yes', 'confirm erasing a whole tenant')
    .option('--json', 'print JSON')
    .action(async (o: { tenant: string; user?: string; yes?: boolean; json?: boolean }) => {
      if (!o.user && !o.yes) {
        process.exitCode = 2;
        return printLines(`Erasing every row of tenant ${o.tenant} cannot be undone: add --yes to confirm.`);
      }
      const started = await ctx().call((api) => api.erasure.start, {
        tenantId: o.tenant,
        ...(o.user ? { userId: o.user } : { wholeTenant: true }),
      });
      if (o.json) return printJson(started);
      printLines(
        `Erasure ${started.erasureId} is running (${o.user ? `user ${o.user} of` : 'all of'} tenant ${o.tenant})`,
        `Receipt: brainops erase-status ${started.erasureId}`,
      );
    });

  program
    .command('erase-status')
    .description('the receipt of an erasure: running, or finished with rows deleted per table')
    .argument('<erasure-id>', 'the id `brainops erase` printed')
    .option('--json', 'print JSON')
    .action(async (erasureId: string, o: { json?: boolean }) => {
      const receipt = await ctx().call((api) => api.erasure.status, { erasureId });
      if (o.json) return printJson(receipt);
      const subject = receipt.userId
        ? `user ${receipt.userId} of tenant ${receipt.tenantId}`
        : `tenant ${receipt.tenantId}`;
      printLines(
        `Erasure ${receipt.erasureId} of ${subject}: ${receipt.status}`,
        `Asked by ${receipt.requestedBy.name ?? receipt.requestedBy.keyId ?? 'unknown'} at ${receipt.startedAt.toISOString()}` +
          (receipt.finishedAt ? `, finished ${receipt.finishedAt.toISOString()}` : ''),
        ...Object.entries(receipt.counts).map(([table, n]) => `  ${table}: ${n}`),
      );
    });
}
