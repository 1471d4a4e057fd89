/**
 * The corpus of the search-latency benchmark: tenants of session messages (the turns of the LoCoMo
 * conversations, by session) and memory entries (operations notes built from the benchmark
 * vocabulary), and natural-language queries in the askers' words. A fixed seed makes every run
 * build the same documents and the same queries.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { embedPendingBatch } from '../src/activities/embeddings';
import type { Embedder } from '../src/contracts/embedding';
import { MEMORY_TYPES, type MemoryStore } from '../src/memory';
import { VOCABULARY } from './vocabulary';

/** A small deterministic generator (mulberry32), so every run builds the same corpus and queries. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20261203);
export const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
/** A vocabulary word, skewed towards the front of the list (like word frequencies in real text). */
export const word = () => VOCABULARY[Math.floor(VOCABULARY.length * rnd() ** 2)]!;

const VERBS = ['fixed', 'restarted', 'migrated', 'rolled back', 'scaled', 'reviewed', 'paused', 'moved', 'checked'];
const OPENINGS = ['The', 'Our', 'Yesterday the', 'After the incident the', 'During the release the'];

/** An operations note: a title of 3-6 words and 2-4 sentences of vocabulary words. */
function note(): { title: string; content: string } {
  const title = Array.from({ length: 3 + Math.floor(rnd() * 4) }, word).join(' ');
  const sentences = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => {
    const subject = `${pick(OPENINGS)} ${word()} ${word()}`;
    return `${subject} ${pick(VERBS)} the ${word()} ${word()} because the ${word()} was ${word()} ${word()}.`;
  });
  return { title: title.charAt(0).toUpperCase() + title.slice(1), content: sentences.join(' ') };
}

export const OPS_QUESTIONS = [
  (a: string, b: string) => `how do we handle the ${a} ${b}?`,
  (a: string, b: string) => `what happened with the ${a} ${b} last week?`,
  (a: string, b: string) => `why was the ${a} ${b} slow`,
  (a: string, b: string) => `${a} ${b}`,
  (a: string, b: string) => `who changed the ${a} for the ${b}?`,
];

interface Turn {
  session: string;
  speaker: string;
  text: string;
}

/** Turns (by session, in order) and questions of categories 1-4 of every LoCoMo conversation. */
export function loadLocomo(dir: string): { sessions: Turn[][]; questions: string[] } {
  const sessions: Turn[][] = [];
  const questions: string[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    const names = Object.keys(data)
      .filter((k) => /^session_\d+$/.test(k))
      .sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]));
    for (const name of names) {
      const turns = data[name] as { speaker: string; text: string }[];
      sessions.push(turns.map((t) => ({ session: `${path.basename(file, '.json')}-${name}`, ...t })));
    }
    for (const q of data.qa as { question: string; category: number }[]) {
      if (q.category >= 1 && q.category <= 4) questions.push(q.question);
    }
  }
  return { sessions, questions };
}

/** Seeds one tenant: `docs` documents, half entries (notes), half messages (LoCoMo turns, by session). */
export async function seedTenant(pool: Pool, tenant: string, docs: number, sessions: Turn[][], offset: number) {
  const entries = Math.floor(docs / 2);
  const notes = Array.from({ length: entries }, (_, i) => ({
    key: `note/${i}`,
    ...note(),
    memory_type: MEMORY_TYPES[i % MEMORY_TYPES.length],
    layer: i % 3 === 0 ? 'short_term' : 'long_term',
    tags: [word(), word()],
    // A third of the notes were written in a session, a few turns apart (neighbouring turns).
    session_id: i % 3 === 0 ? `work-${Math.floor(i / 30)}` : null,
    importance: Math.round(rnd() * 100) / 100,
    age_s: Math.floor(rnd() * 40 * 86_400),
  }));
  await pool.query(
    `insert into memory_entries (key, title, content, memory_type, layer, scope, tags, tenant_id, session_id,
       importance, created_at, updated_at, expires_at)
     select r.key, r.title, r.content, r.memory_type, r.layer, 'tenant', r.tags, $2, r.session_id, r.importance,
       now() - r.age_s * interval '1 second', now() - r.age_s * interval '1 second',
       case r.layer when 'short_term' then now() + interval '30 days' end
     from jsonb_to_recordset($1::jsonb) as r(key text, title text, content text, memory_type text, layer text,
       tags text[], session_id text, importance real, age_s int)`,
    [JSON.stringify(notes), tenant],
  );
  let left = docs - entries;
  for (let s = 0; left > 0; s++) {
    const turns = sessions[(offset + s) % sessions.length]!.slice(0, left);
    const sessionId = `${turns[0]!.session}-${s}`;
    left -= turns.length;
    await pool.query(
      `insert into sessions (tenant_id, session_id, workflow_id, status, message_count) values ($1, $2, $3, 'ended', $4)`,
      [tenant, sessionId, `session/${tenant}/${sessionId}`, turns.length],
    );
    await pool.query(
      `insert into session_messages (tenant_id, session_id, seq, role, content, created_at)
       select $1, $2, t.seq, case when t.seq % 2 = 1 then 'user' else 'assistant' end, t.content,
         now() - interval '20 days' + t.seq * interval '1 minute'
       from unnest($3::text[]) with ordinality as t(content, seq)`,
      [tenant, sessionId, turns.map((t) => `${t.speaker}: ${t.text}`)],
    );
  }
}

export async function embedAll(store: MemoryStore, embedder: Embedder): Promise<number> {
  let embedded = 0;
  let resume = true;
  for (;;) {
    const batch = await embedPendingBatch(store, embedder, { limit: 512, resume });
    resume = false;
    embedded += batch.entries + batch.messages;
    if (batch.caughtUp) return embedded;
  }
}
