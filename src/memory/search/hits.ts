/**
 * From fused candidates to hits, on the connection a search reads its rows through (under
 * row-level security for a tenant's search): one statement reads what ranking needs of every
 * candidate and of the turns around it (an entry's importance, time and reads; a message whole,
 * it is small), the blend ranks them, and a second statement reads the whole rows of the entries
 * among the best `limit` only, instead of every candidate's.
 */
import type { MemoryEntry, MemorySearchHit, SearchedMessage, SearchExplanation } from '../../contracts/memory';
import {
  NEIGHBOUR_REACH,
  spreadToNeighbours,
  standingFactors,
  type FusedCandidate,
  type Neighbour,
} from '../../domain/search-fusion';
import { Conditions } from '../conditions';
import { ENTRY_COLUMNS, type Queryable } from '../entries';
import { entryFilters, MESSAGE_KEY_SQL, messageFilters, parseMessageKey, type SearchInput } from './filters';
import { MESSAGE_SOURCE } from './lexical';
import { prepared } from './prepared';

/** What ranking needs of an entry. */
interface EntryStanding {
  importance: number;
  updatedAt: Date;
  accessCount: number;
}

/** One row of the candidates' statement: an entry's standing, a message, or a neighbour relation. */
interface CandidateRow {
  kind: 'e' | 'm' | 'n';
  key: string;
  /** kind `n`: the candidate `key` neighbours, `distance` turns away. */
  of: string | null;
  distance: number | null;
  importance: number | null;
  at: Date;
  accessCount: number | null;
  sessionId: string | null;
  seq: number | null;
  role: string | null;
  agentId: string | null;
  content: string | null;
}

/** Options of {@link readHits}. */
export interface HitOptions {
  /** Share scores with neighbouring turns. */
  neighbours: boolean;
  /** The embedding model, named in explanations. */
  model?: string;
}

/** The message keys up to `NEIGHBOUR_REACH` turns before and after `key`, by seq. */
function messageNeighbours(key: string): Neighbour[] {
  const m = parseMessageKey(key);
  const near: Neighbour[] = [];
  for (let distance = 1; distance <= NEIGHBOUR_REACH; distance++) {
    for (const seq of [m.seq - distance, m.seq + distance]) {
      if (seq >= 1) near.push({ key: `m:${m.tenantId}/${m.sessionId}/${seq}`, distance });
    }
  }
  return near;
}

/** SQL: the entries of their session written just before and after the entries `ids` (a parameter). */
function nearSql(ids: string): string {
  return `near as (
    select c.id::text as of, n.id, n.distance::int as distance
    from memory_entries c
    cross join lateral (
      (select p.id, row_number() over (order by p.created_at desc, p.id desc) as distance
       from memory_entries p
       where p.session_id = c.session_id and p.tenant_id is not distinct from c.tenant_id
         and (p.created_at, p.id) < (c.created_at, c.id) and p.archived_at is null
       order by p.created_at desc, p.id desc limit ${NEIGHBOUR_REACH})
      union all
      (select n.id, row_number() over (order by n.created_at, n.id) as distance
       from memory_entries n
       where n.session_id = c.session_id and n.tenant_id is not distinct from c.tenant_id
         and (n.created_at, n.id) > (c.created_at, c.id) and n.archived_at is null
       order by n.created_at, n.id limit ${NEIGHBOUR_REACH})) as n
    where c.id = any(${ids}::uuid[]) and c.session_id is not null)`;
}

/** A run of one session's messages, by seq (inclusive). */
interface MessageRange {
  sessionId: string;
  from: number;
  to: number;
}

/**
 * The candidates' statement: the standing of the entries `entryIds` and of the neighbours of
 * `sharing` (with the relations), and the messages in `ranges`, that pass the filters. An entry
 * shares its score with the entries of its session written just before and after it
 * (`NEIGHBOUR_REACH` each way), whatever the filters; the filters apply to what may become a hit.
 * A message and its neighbours are one range of its session, read by one index range scan.
 */
function candidatesStatement(
  input: SearchInput,
  entryIds: string[],
  sharing: string[],
  ranges: MessageRange[],
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const selects: string[] = [];
  let near = '';
  if (entryIds.length > 0) {
    const where = new Conditions(...params);
    const ids = where.param(entryIds);
    if (sharing.length > 0) near = `with ${nearSql(where.param(sharing))} `;
    where.add(
      sharing.length > 0
        ? `m.id in (select unnest(${ids}::uuid[]) union select id from near)`
        : `m.id = any(${ids}::uuid[])`,
    );
    entryFilters(where, input);
    params.splice(0, params.length, ...where.params);
    selects.push(`select 'e' as kind, 'e:' || m.id::text as key, null as of, null::int as distance, m.importance,
       m.updated_at as at, m.access_count::float8 as "accessCount", null as "sessionId", null::float8 as seq,
       null as role, null as "agentId", null as content
     from memory_entries m where ${where.sql}`);
    if (sharing.length > 0) {
      selects.push(`select 'n', 'e:' || n.id::text, 'e:' || n.of, n.distance, null, null, null, null, null, null, null, null
       from near as n`);
    }
  }
  if (ranges.length > 0) {
    const where = new Conditions(...params);
    const sessions = where.param(ranges.map((r) => r.sessionId));
    const from = where.param(ranges.map((r) => r.from));
    const to = where.param(ranges.map((r) => r.to));
    where.add('m.session_id = r.session_id and m.seq between r.lo and r.hi');
    messageFilters(where, input);
    params.splice(0, params.length, ...where.params);
    selects.push(`select 'm' as kind, ${MESSAGE_KEY_SQL} as key, null as of, null::int as distance, null::real as importance,
       m.created_at as at, null::float8 as "accessCount", m.session_id as "sessionId", m.seq::float8 as seq,
       m.role, m.agent_id as "agentId", m.content
     from unnest(${sessions}::text[], ${from}::bigint[], ${to}::bigint[]) as r(session_id, lo, hi)
     cross join lateral (select m.* from ${MESSAGE_SOURCE.from(input)} where ${where.sql}) as m`);
  }
  return { sql: near + selects.join(' union all '), params };
}

/** The runs of `seqs` (by session) widened by `reach` each way, overlapping runs merged. */
function messageRanges(seqs: Map<string, number[]>, reach: (sessionId: string, seq: number) => number): MessageRange[] {
  const ranges: MessageRange[] = [];
  for (const [sessionId, list] of seqs) {
    let current: MessageRange | undefined;
    for (const seq of [...list].sort((a, b) => a - b)) {
      const from = Math.max(1, seq - reach(sessionId, seq));
      const to = seq + reach(sessionId, seq);
      if (current && from <= current.to + 1) current.to = Math.max(current.to, to);
      else ranges.push((current = { sessionId, from, to }));
    }
  }
  return ranges;
}

/** Reads the candidates' standing and messages, and the entries' neighbours, in one statement. */
async function readCandidates(
  db: Queryable,
  input: SearchInput,
  candidates: readonly FusedCandidate[],
  withNeighbours: boolean,
  withMessages: boolean,
) {
  const entryIds = candidates.filter((c) => c.key.startsWith('e:')).map((c) => c.key.slice(2));
  // Only a candidate with a score has one to share.
  const shares = (c: FusedCandidate) => withNeighbours && c.fused > 0;
  const sharing = candidates.filter((c) => c.key.startsWith('e:') && shares(c)).map((c) => c.key.slice(2));
  const seqs = new Map<string, number[]>();
  const reach = new Map<string, number>();
  const near = new Map<string, Neighbour[]>();
  for (const c of candidates) {
    if (!c.key.startsWith('m:') || !withMessages) continue;
    const { sessionId, seq } = parseMessageKey(c.key);
    seqs.set(sessionId, [...(seqs.get(sessionId) ?? []), seq]);
    if (!shares(c)) continue;
    reach.set(`${sessionId}/${seq}`, NEIGHBOUR_REACH);
    near.set(c.key, messageNeighbours(c.key));
  }
  const entries = new Map<string, EntryStanding>();
  const messages = new Map<string, SearchedMessage>();
  if (entryIds.length === 0 && seqs.size === 0) return { entries, messages, near };
  const ranges = messageRanges(seqs, (sessionId, seq) => reach.get(`${sessionId}/${seq}`) ?? 0);
  const { sql, params } = candidatesStatement(input, entryIds, sharing, ranges);
  const rows = (await db.query<CandidateRow>(prepared(sql, params))).rows;
  for (const r of rows) {
    if (r.kind === 'n') {
      const list = near.get(r.of!) ?? [];
      list.push({ key: r.key, distance: r.distance! });
      near.set(r.of!, list);
    } else if (r.kind === 'e') {
      entries.set(r.key, { importance: r.importance!, updatedAt: r.at, accessCount: r.accessCount! });
    } else {
      messages.set(r.key, {
        tenantId: input.tenantId!,
        sessionId: r.sessionId!,
        seq: r.seq!,
        role: r.role!,
        agentId: r.agentId,
        content: r.content!,
        createdAt: r.at,
      });
    }
  }
  return { entries, messages, near };
}

/** The whole rows of entries `ids` that still pass the filters. */
async function readEntries(db: Queryable, input: SearchInput, ids: string[]): Promise<Map<string, MemoryEntry>> {
  if (ids.length === 0) return new Map();
  const where = new Conditions(ids);
  where.add('m.id = any($1::uuid[])');
  entryFilters(where, input);
  const rows = await db.query<MemoryEntry>(
    prepared(`select ${ENTRY_COLUMNS} from memory_entries m where ${where.sql}`, where.params),
  );
  return new Map(rows.rows.map((e) => [`e:${e.id}`, e]));
}

interface Ranked {
  candidate: FusedCandidate;
  rank: number;
  factors: { importance: number; recency: number; access: number };
  message?: SearchedMessage;
}

/**
 * The best `input.limit` hits of `fused`: neighbours share scores (with `options.neighbours`),
 * the blend weighs importance, recency and reads, and the rows come from `db`.
 */
export async function readHits(
  db: Queryable,
  input: SearchInput,
  fused: readonly FusedCandidate[],
  withMessages: boolean,
  options: HitOptions,
): Promise<MemorySearchHit[]> {
  const { entries, messages, near } = await readCandidates(db, input, fused, options.neighbours, withMessages);
  const candidates = options.neighbours ? spreadToNeighbours([...fused], (key) => near.get(key) ?? []) : fused;
  const now = Date.now();
  const ranked: Ranked[] = [];
  for (const c of candidates) {
    if (c.fused + c.neighbours <= 0) continue;
    const entry = entries.get(c.key);
    const message = messages.get(c.key);
    if (!entry && !message) continue;
    const factors = standingFactors(
      entry
        ? { importance: entry.importance, ageMs: now - entry.updatedAt.getTime(), accessCount: entry.accessCount }
        : { importance: 0.5, ageMs: now - message!.createdAt.getTime(), accessCount: 0 },
    );
    const rank = (c.fused + c.neighbours) * factors.importance * factors.recency * factors.access;
    ranked.push({ candidate: c, rank, factors, ...(message ? { message } : {}) });
  }
  const best = ranked.sort((a, b) => b.rank - a.rank).slice(0, input.limit);
  const rows = await readEntries(
    db,
    input,
    best.filter((r) => !r.message).map((r) => r.candidate.key.slice(2)),
  );
  const hits: MemorySearchHit[] = [];
  for (const { candidate, rank, factors, message } of best) {
    const explain = input.explain ? { explain: explanation(candidate, factors, options.model) } : {};
    const entry = rows.get(candidate.key);
    if (message) hits.push({ kind: 'message', message, rank, ...explain });
    else if (entry) hits.push({ kind: 'entry', entry, rank, ...explain });
  }
  return hits;
}

function explanation(
  c: FusedCandidate,
  factors: { importance: number; recency: number; access: number },
  model: string | undefined,
): SearchExplanation {
  return {
    ...(c.lexical
      ? { lexical: { bm25: c.lexical.raw, normalised: c.lexical.normalised, position: c.lexical.position } }
      : {}),
    ...(c.semantic && model
      ? {
          semantic: { cosine: c.semantic.raw, normalised: c.semantic.normalised, position: c.semantic.position, model },
        }
      : {}),
    fused: c.fused,
    neighbours: c.neighbours,
    ...factors,
  };
}
