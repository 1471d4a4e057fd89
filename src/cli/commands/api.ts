/**
 * `brainops serve` (the HTTP/MCP API server alone), `brainops mcp` (MCP over stdio) and
 * `brainops api-key create|list|revoke`.
 */
import type { Command } from 'commander';
import type { ApiKeyRecord } from '../../contracts/api';
import { API_ROLES } from '../../contracts/vocabulary';
import type { CliContext } from '../context';
import { isNotFound, printJson, printLines, printTable } from '../output';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const row = (k: ApiKeyRecord) => ({ ...k, status: k.revokedAt ? 'revoked' : 'active' });

export function registerApiCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('serve')
    .description('the HTTP API and MCP server alone (against TEMPORAL_ADDRESS and DATABASE_URL); run as many as needed')
    .action(async () => {
      const { config, logger } = ctx();
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded by the command that runs them */
      const { openMemoryStore } = require('../../api/open-store') as typeof import('../../api/open-store');
      const { serveApi } = require('../../stack/api-server') as typeof import('../../stack/api-server');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const store = await openMemoryStore(config, logger);
      const server = await serveApi({ config, logger, store, client: await ctx().client() });
      logger.info(
        `BrainOps API on ${server.url} (OpenAPI ${server.url}/openapi.json, docs ${server.url}/docs, MCP ${server.url}/mcp, console ${server.url}/console, metrics ${server.url}/metrics)`,
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        for (const s of SIGNALS) process.once(s, () => resolve(s));
      });
      logger.info(`${signal}: stopping the API server`);
      await server.close();
      await store.close();
    });

  program
    .command('mcp')
    .description('the MCP server over stdio (Claude Desktop, Claude Code), acting with the key in BRAINOPS_API_KEY')
    .action(async () => {
      const c = ctx();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runMcpStdio } = require('../../mcp/stdio') as typeof import('../../mcp/stdio');
      await runMcpStdio(await c.api(), c.config.api.key);
    });

  const keys = program.command('api-key').description('API keys of the HTTP and MCP servers');
  keys
    .command('create')
    .description("create a key (printed once: only its hash is stored): a tenant's key of a role, or an operator key")
    .option('-t, --tenant <id>', 'the tenant the key acts for')
    .option('--role <role>', API_ROLES.join(' | '))
    .option(
      '--operator',
      "an operator key: no tenant; writes shared knowledge, runs operator actions, reads every tenant's",
    )
    .option('--name <text>', 'what the key is for')
    .option('--json', 'print JSON')
    .action(async (o: { tenant?: string; role?: string; operator?: boolean; name?: string; json?: boolean }) => {
      const { key, record } = await ctx().call((api) => api.keys.create, {
        tenantId: o.tenant,
        role: o.role,
        operator: o.operator ?? false,
        name: o.name,
      });
      if (o.json) return printJson({ key, ...record });
      printLines(
        key,
        record.tenantId === null
          ? `Key ${record.id} (operator). It is shown only now: store it safely.`
          : `Key ${record.id} (${record.role} of tenant ${record.tenantId}). It is shown only now: store it safely.`,
      );
    });
  keys
    .command('list')
    .description('keys, newest first (never their secret)')
    .option('-t, --tenant <id>', 'only this tenant’s')
    .option('--json', 'print JSON')
    .action(async (o: { tenant?: string; json?: boolean }) => {
      const list = await ctx().call((api) => api.keys.list, { tenantId: o.tenant });
      if (o.json) return printJson(list);
      printTable(list.map(row), ['id', 'prefix', 'tenantId', 'role', 'name', 'status', 'createdAt', 'lastUsedAt']);
    });
  keys
    .command('revoke')
    .description('revoke a key by id or prefix (servers stop accepting it within 5 s)')
    .argument('<id>', 'key id or prefix')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const revoked = await ctx()
        .call((api) => api.keys.revoke, { key: id })
        .catch((error: unknown) => (isNotFound(error) ? null : Promise.reject(error)));
      if (!revoked) {
        process.exitCode = 1;
        return o.json ? printJson(null) : printLines(`No active key "${id}"`);
      }
      if (o.json) printJson(revoked);
      else
        printLines(
          `Revoked ${revoked.id} (${revoked.tenantId === null ? 'operator' : `${revoked.role} of tenant ${revoked.tenantId}`})`,
        );
    });
}
