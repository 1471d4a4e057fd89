import type { Command } from 'commander';
import { countOption } from '../options';
import type { MemorySearchHit } from '../../contracts/memory';
import { LAYERS, MEMORY_TYPES, SCOPES } from '../../contracts/vocabulary';
import { isNotFound } from '../output';
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
  const memory = program.command('memory').description('memory entries: store, retrieve, list, search, delete, stats');

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
      const entry = await ctx().call((api) => api.memory.store, {
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

  withOwners(memory.command('retrieve').description('read one memory entry by key, scope and owners'))
    .argument('<key>', 'entry key')
    .action(async (key: string, o: Owners) => {
      const entry = await ctx()
        .call((api) => api.memory.retrieve, { key, ...owners(o) })
        .then(
          (found) => found.entry,
          (error: unknown) => (isNotFound(error) ? null : Promise.reject(error)),
        );
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

  withOwners(memory.command('delete').description('delete (forget) one memory entry by key, scope and owners'))
    .argument('<key>', 'entry key')
    .action(async (key: string, o: Owners) => {
      const { deleted } = await ctx().call((api) => api.memory.delete, { key, ...owners(o) });
      if (o.json) return printJson({ deleted });
      if (!deleted) process.exitCode = 1;
      printLines(deleted ? `Deleted ${key}` : `No memory entry "${key}" in scope ${o.scope}`);
    });

  memory
    .command('list')
    .description('list memory entries newest first, a page at a time')
    .option('-t, --tenant <id>', 'tenant id (without it: entries with no tenant)')
    .option('--scope <scope>', SCOPES.join(' | '))
    .option('--layer <layer>', LAYERS.join(' | '))
    .option('--type <memoryType>', MEMORY_TYPES.join(' | '))
    .option('--tag <tag...>', 'entries must carry all these tags')
    .option('--user <id>', 'only this user')
    .option('--session <id>', 'only this session')
    .option('--agent <id>', 'only this agent')
    .option('--prefix <text>', 'only keys starting with this')
    .option('--include-expired', 'include expired entries')
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--limit <n>', 'entries per page (at most 200)', countOption, 50)
    .option('--json', 'print JSON')
    .action(async (o: ListOptions) => {
      const page = await ctx().call((api) => api.memory.list, {
        tenantId: o.tenant,
        scope: o.scope as never,
        layer: o.layer as never,
        memoryType: o.type as never,
        tags: o.tag,
        userId: o.user,
        sessionId: o.session,
        agentId: o.agent,
        keyPrefix: o.prefix,
        includeExpired: o.includeExpired ?? false,
        cursor: o.cursor,
        limit: o.limit,
      });
      if (o.json) return printJson(page);
      printTable(
        page.entries.map((e) => ({
          key: e.key,
          scope: e.scope,
          layer: e.layer,
          type: e.memoryType,
          updated: e.updatedAt.toISOString(),
        })),
        ['key', 'scope', 'layer', 'type', 'updated'],
      );
      if (page.nextCursor) printLines(`More: --cursor ${page.nextCursor}`);
    });

  memory
    .command('search')
    .description('search memory entries and session messages within a tenant, in your own words')
    .argument('<query>', 'what you want to find, e.g. "what did the customer say about invoices?"')
    .option('-t, --tenant <id>', 'tenant id (without it: entries with no tenant)')
    .option('--exact', 'web-search syntax instead: every word required, "phrases", -excluded, or')
    .option('--explain', "show the parts of each hit's score")
    .option('--entries-only', 'search memory entries only')
    .option('--messages-only', 'search session messages only')
    .option('--session <id>', 'only this session')
    .option('--user <id>', 'only this user')
    .option('--agent <id>', 'only this agent')
    .option('--type <memoryType...>', 'only these memory types')
    .option('--layer <layer...>', 'only these layers')
    .option('--tag <tag...>', 'entries must carry all these tags')
    .option('--limit <n>', 'maximum hits', countOption, 20)
    .option('--include-expired', 'include expired entries')
    .option('--json', 'print JSON')
    .action(async (query: string, o: SearchOptions) => {
      const { hits } = await ctx().call((api) => api.memory.search, {
        query,
        mode: o.exact ? 'websearch' : 'natural',
        sources: o.entriesOnly ? ['entries'] : o.messagesOnly ? ['messages'] : ['entries', 'messages'],
        tenantId: o.tenant,
        sessionId: o.session,
        userId: o.user,
        agentId: o.agent,
        memoryTypes: o.type as never,
        layer: o.layer as never,
        tags: o.tag,
        limit: o.limit,
        includeExpired: o.includeExpired ?? false,
        explain: o.explain ?? false,
      });
      if (o.json) return printJson(hits);
      printTable(
        hits.map((h) => hitRow(h, o.explain ?? false)),
        ['rank', 'hit', 'type', 'text', ...(o.explain ? ['lexical', 'semantic', 'neighbours'] : [])],
      );
    });

  memory
    .command('stats')
    .description('counts per layer, priority and type; sessions; accesses')
    .option('-t, --tenant <id>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (o: { tenant?: string; json?: boolean }) => {
      const stats = await ctx().call((api) => api.memory.stats, { tenantId: o.tenant });
      if (o.json) return printJson(stats);
      printLines(
        `Entries ${stats.entries} live, ${stats.expired} expired, ${stats.archived} archived; ${stats.tenants} tenants; ${stats.activeSessions} active sessions; ${stats.totalAccesses} accesses`,
        `By layer:    ${JSON.stringify(stats.byLayer)}`,
        `By priority: ${JSON.stringify(stats.byPriority)}`,
        `By type:     ${JSON.stringify(stats.byType)}`,
      );
    });
}

interface ListOptions {
  tenant?: string;
  scope?: string;
  layer?: string;
  type?: string;
  tag?: string[];
  user?: string;
  session?: string;
  agent?: string;
  prefix?: string;
  includeExpired?: boolean;
  cursor?: string;
  limit: number;
  json?: boolean;
}

interface SearchOptions {
  tenant?: string;
  exact?: boolean;
  explain?: boolean;
  entriesOnly?: boolean;
  messagesOnly?: boolean;
  session?: string;
  user?: string;
  agent?: string;
  type?: string[];
  layer?: string[];
  tag?: string[];
  limit: number;
  includeExpired?: boolean;
  json?: boolean;
}

/** One line of the search table: an entry by key, a message by session and seq. */
function hitRow(h: MemorySearchHit, explain: boolean): Record<string, unknown> {
  const text = (h.kind === 'entry' ? (h.entry.title ?? h.entry.content ?? '') : h.message.content).replace(/\s+/g, ' ');
  const parts =
    explain && h.explain
      ? {
          lexical: h.explain.lexical
            ? `${h.explain.lexical.normalised.toFixed(2)} (#${h.explain.lexical.position})`
            : '',
          semantic: h.explain.semantic
            ? `${h.explain.semantic.normalised.toFixed(2)} (#${h.explain.semantic.position})`
            : '',
          neighbours: h.explain.neighbours.toFixed(2),
        }
      : {};
  return {
    rank: h.rank.toFixed(4),
    hit: h.kind === 'entry' ? h.entry.key : `session ${h.message.sessionId} #${h.message.seq}`,
    type: h.kind === 'entry' ? h.entry.memoryType : `message (${h.message.role})`,
    text: text.length > 70 ? `${text.slice(0, 69)}…` : text,
    ...parts,
  };
}
