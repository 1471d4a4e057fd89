import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { countOption, durationOption } from '../options';
import { printJson, printTable } from '../output';

/** A latency for a table: ms under 10 s, else seconds; `-` for none. */
const latency = (value: number | null) =>
  value === null ? '-' : value < 10_000 ? `${Number(value.toPrecision(3))} ms` : `${(value / 1000).toFixed(1)} s`;

/** `brainops endpoints`: endpoint performance from OpenTelemetry server spans (docs/capture.md). */
export function registerEndpointCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('endpoints')
    .description('routes of your services (from OpenTelemetry): requests, error rate, p50/p95/p99 latency')
    .option('--service <name>', 'only this service (its service.name)')
    .option('--route <route>', 'only this route')
    .option('-t, --tenant <id>', "only this tenant's routes (default: every tenant's)")
    .addOption(new Option('--since <duration>', 'how far back').argParser(durationOption).default(3_600_000, '1h'))
    .option('--limit <n>', 'how many routes', countOption, 50)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        service?: string;
        route?: string;
        tenant?: string;
        since: number;
        limit: number;
        json?: boolean;
      }) => {
        const { routes } = await ctx().call((api) => api.capture.endpoints, {
          tenantId: o.tenant,
          service: o.service,
          route: o.route,
          since: new Date(Date.now() - o.since),
          limit: o.limit,
        });
        if (o.json) return printJson(routes);
        printTable(
          routes.map((r) => ({
            tenant: r.tenantId,
            service: r.service,
            method: r.method || '-',
            route: r.route,
            requests: r.requests,
            errors: `${(r.errorRate * 100).toFixed(1)}%`,
            p50: latency(r.p50Ms),
            p95: latency(r.p95Ms),
            p99: latency(r.p99Ms),
          })),
          [
            // Every tenant's routes (the operator): which tenant's each is.
            ...(o.tenant === undefined ? ['tenant' as const] : []),
            'service',
            'method',
            'route',
            'requests',
            'errors',
            'p50',
            'p95',
            'p99',
          ],
        );
      },
    );
}
