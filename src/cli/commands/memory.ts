import type { Command } from 'commander';
import { countOption } from '../options';
import { LAYERS, MEMORY_TYPES, SCOPES } from '../../memory';
import type { CliContext } from '../context';
import { printJson, printLines, printTable } from '../output';

type Owners = { tenant?: string; user?: string; session?: string; agent?: string; scope: string; json?: boolean };

function withOwners(cmd: Command): Command {
  return cmd
    .option('--scope <scope>', SCOPES.join(' | '), 'global')
    .option('-t, --tenant <id>', 'tenant id')
    .option('-u, --user <id>', 'user id')
    .option('-s, --session <id>', 'session id')
    .option('-a, --agent <id>', 'agent id')
    .option('--json', 'print JSON');
}
const owners = (o: Owners) => ({
  scope: o.scope as 'global',
  tenantId: o.tenant,
  userId: o.user,
  sessionId: o.session,
  agentId: o.agent,
});

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function registerMemoryCommands(program: Command, ctx: () => CliContext): void {
  const memory = program.command('memory').description('memory entries: store, get, search, stats');

  withOwners(memory.command('store').description('store (upsert) a memory entry'))
    .argument('<key>', 'entry key')
    .argument('<value>', 'value: JSON, or plain text')
    .requiredOption('--type <memoryType>', MEMORY_TYPES.join(' | '))
    .option('--layer <layer>', LAYERS.join(' | '), 'short_term')
    .option('--title <text>')
    .option('--content <text>', 'searchable text')
    .option('--priority <priority>', 'critical | high | medium | low', 'medium')
    .option('--importance <0..1>', 'importance', Number)
    .option('--tag <tag...>', 'tags')
    .option('--expected-version <n>', 'reject unless the stored entry is at this version', Number)
    .action(async (key: string, value: string, o: Owners & Record<string, unknown>) => {
      const store = await (await ctx().client()).memory();
      const entry = await store.store({
        key,
        value: parseValue(value) as never,
        memoryType: o.type as 'knowledge',
        layer: o.layer as 'short_term',
        title: o.title as string | undefined,
        content: o.content as string | undefined,
        priority: o.priority as 'medium',
        importance: o.importance as number | undefined,
        tags: o.tag as string[] | undefined,
        expectedVersion: o.expectedVersion as number | undefined,
        ...owners(o),
      });
      if (o.json) printJson(entry);
      else
        printLines(
          `Stored ${entry.key} (${entry.layer}, version ${entry.syncVersion}, expires ${entry.expiresAt?.toISOString() ?? 'never'})`,
        );
    });

  withOwners(memory.command('get').description('read a memory entry'))
    .argument('<key>', 'entry key')
    .action(async (key: string, o: Owners) => {
      const store = await (await ctx().client()).memory();
      const entry = await store.retrieve({ key, ...owners(o) });
      if (!entry) {
        process.exitCode = 1;
        return o.json ? printJson(null) : printLines(`No live memory entry "${key}" in scope ${o.scope}`);
      }
      if (o.json) printJson(entry);
      else
        printLines(
          `${entry.key} (${entry.memoryType}, ${entry.layer}, v${entry.syncVersion}, read ${entry.accessCount} times)`,
          JSON.stringify(entry.value, null, 2),
        );
    });

  memory
    .command('search')
    .description('full-text search within a tenant')
    .argument('<query>', 'words, "phrases", -excluded')
    .option('-t, --tenant <id>', 'tenant id (without it: entries with no tenant)')
    .option('--type <memoryType...>', 'only these memory types')
    .option('--layer <layer...>', 'only these layers')
    .option('--tag <tag...>', 'entries must carry all these tags')
    .option('--limit <n>', 'maximum hits', countOption, 20)
    .option('--include-expired', 'include expired entries')
    .option('--json', 'print JSON')
    .action(
      async (
        query: string,
        o: {
          tenant?: string;
          type?: string[];
          layer?: string[];
          tag?: string[];
          limit: number;
          includeExpired?: boolean;
          json?: boolean;
        },
      ) => {
        const store = await (await ctx().client()).memory();
        const hits = await store.search({
          query,
          tenantId: o.tenant,
          memoryTypes: o.type as never,
          layers: o.layer as never,
          tags: o.tag,
          limit: o.limit,
          includeExpired: o.includeExpired ?? false,
        });
        if (o.json) return printJson(hits);
        printTable(
          hits.map((h) => ({
            rank: h.rank.toFixed(4),
            key: h.entry.key,
            type: h.entry.memoryType,
            title: (h.entry.title ?? '').slice(0, 60),
          })),
          ['rank', 'key', 'type', 'title'],
        );
      },
    );

  memory
    .command('stats')
    .description('counts per layer, priority and type; sessions; accesses')
    .option('-t, --tenant <id>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (o: { tenant?: string; json?: boolean }) => {
      const stats = await (await (await ctx().client()).memory()).stats({ tenantId: o.tenant });
      if (o.json) return printJson(stats);
      printLines(
        `Entries ${stats.entries} live, ${stats.expired} expired, ${stats.archived} archived; ${stats.tenants} tenants; ${stats.activeSessions} active sessions; ${stats.totalAccesses} accesses`,
        `By layer:    ${JSON.stringify(stats.byLayer)}`,
        `By priority: ${JSON.stringify(stats.byPriority)}`,
        `By type:     ${JSON.stringify(stats.byType)}`,
      );
    });
}
