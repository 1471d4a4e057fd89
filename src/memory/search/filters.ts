/**
 * The filters of a search as SQL, for memory entries (alias `m`) and for session messages (alias
 * `m`, with their session `s`). Messages have no tags, layer or scope of their own: they count as
 * `session` layer and scope, and as `user_interaction`, `ai_response` or `agent_conversation` by
 * their role; a filter they cannot meet leaves them out.
 */
import type { z } from 'zod';
import type { MemoryType, searchMemoryInputSchema } from '../../contracts/memory';
import { Conditions } from '../conditions';
import { LIVE } from '../entries';

export type SearchInput = z.output<typeof searchMemoryInputSchema>;

/** The memory type a message counts as, by its role. */
export function messageMemoryType(role: string): MemoryType {
  if (role === 'user') return 'user_interaction';
  if (role === 'assistant') return 'ai_response';
  return 'agent_conversation';
}

const ROLES_OF_TYPE: Partial<Record<MemoryType, string[]>> = {
  user_interaction: ['user'],
  ai_response: ['assistant'],
  agent_conversation: ['system', 'agent', 'tool'],
};

/**
 * Which of a search's entries a condition covers: all it may see, only the tenant's own (the
 * untenanted ones when it names no tenant), or only the shared `global` knowledge.
 */
export type EntryPart = 'all' | 'own' | 'shared';

/**
 * The parts a search's entries fall into, so that each can be found through an index that
 * starts with the tenant (an `or` across the tenant boundary can use none).
 */
export function entryParts(input: SearchInput): EntryPart[] {
  return input.tenantId !== undefined && input.includeShared ? ['own', 'shared'] : ['all'];
}

/** Adds the entry filters of `input` to `where` (entries aliased `m`), for `part` of its entries. */
export function entryFilters(where: Conditions, input: SearchInput, part: EntryPart = 'all'): void {
  const add = where.bind.bind(where);
  // A tenant sees its own entries and, shared, only operator-written `global` knowledge — never an
  // untenanted entry of another scope.
  const shared = `(m.tenant_id is null and m.scope = 'global')`;
  if (part === 'shared') where.add(shared);
  else if (input.tenantId === undefined) where.add('m.tenant_id is null');
  else if (input.includeShared && part === 'all') add((p) => `(m.tenant_id = ${p} or ${shared})`, input.tenantId);
  else add((p) => `m.tenant_id = ${p}`, input.tenantId);
  if (input.userId) add((p) => `m.user_id = ${p}`, input.userId);
  if (input.sessionId) add((p) => `m.session_id = ${p}`, input.sessionId);
  if (input.agentId) add((p) => `m.agent_id = ${p}`, input.agentId);
  if (input.layers) add((p) => `m.layer = any(${p})`, input.layers);
  if (input.scopes) add((p) => `m.scope = any(${p})`, input.scopes);
  if (input.memoryTypes) add((p) => `m.memory_type = any(${p})`, input.memoryTypes);
  if (input.tags) add((p) => `m.tags @> ${p}::text[]`, input.tags);
  if (input.since) add((p) => `m.updated_at >= ${p}`, input.since);
  if (input.until) add((p) => `m.updated_at < ${p}`, input.until);
  where.add(input.includeExpired ? 'm.archived_at is null' : LIVE.replace(/(archived_at|expires_at)/g, 'm.$1'));
}

/** Whether messages can meet the filters at all (they belong to a tenant and carry no tags). */
export function messagesSearchable(input: SearchInput): boolean {
  if (!input.sources.includes('messages') || input.tenantId === undefined || input.tags?.length) return false;
  if (input.layers && !input.layers.includes('session')) return false;
  if (input.scopes && !input.scopes.includes('session')) return false;
  if (input.memoryTypes && !input.memoryTypes.some((t) => ROLES_OF_TYPE[t])) return false;
  return true;
}

/** Adds the message filters of `input` to `where` (messages `m`, their session `s`). */
export function messageFilters(where: Conditions, input: SearchInput): void {
  const add = where.bind.bind(where);
  add((p) => `m.tenant_id = ${p}`, input.tenantId);
  if (input.userId) add((p) => `s.user_id = ${p}`, input.userId);
  if (input.sessionId) add((p) => `m.session_id = ${p}`, input.sessionId);
  if (input.agentId) add((p) => `m.agent_id = ${p}`, input.agentId);
  if (input.memoryTypes)
    add(
      (p) => `m.role = any(${p})`,
      input.memoryTypes.flatMap((t) => ROLES_OF_TYPE[t] ?? []),
    );
  if (input.since) add((p) => `m.created_at >= ${p}`, input.since);
  if (input.until) add((p) => `m.created_at < ${p}`, input.until);
}

/** Whether the filters narrow a search below the whole tenant (then semantic candidates are pre-filtered). */
export function narrowsTenant(input: SearchInput): boolean {
  return Boolean(
    input.userId ||
    input.sessionId ||
    input.agentId ||
    input.layers ||
    input.scopes ||
    input.memoryTypes ||
    input.tags ||
    input.since ||
    input.until,
  );
}

/** `m:<tenant>/<session>/<seq>`: owner ids cannot hold a "/", so the key is unambiguous. */
export const MESSAGE_KEY_SQL = `'m:' || m.tenant_id || '/' || m.session_id || '/' || m.seq`;
/** `e:<uuid>` */
export const ENTRY_KEY_SQL = `'e:' || m.id::text`;

/** The parts of a message key. */
export function parseMessageKey(key: string): { tenantId: string; sessionId: string; seq: number } {
  const [tenantId = '', sessionId = '', seq = '0'] = key.slice(2).split('/');
  return { tenantId, sessionId, seq: Number(seq) };
}
