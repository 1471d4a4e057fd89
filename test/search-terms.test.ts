/**
 * A word is found however it is written: joined or apart ("failover", "fail over"; "rollback",
 * "roll back"), or abbreviated ("DB", "database"). The pure rules that give a query word its
 * other forms, then natural-language search over real PostgreSQL: the quick start's runbook is
 * found first when asked in other words, both directions of a compound work, forms do not make a
 * query match what it did not ask for, and term frequencies are counted exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { ABBREVIATIONS, MAX_FORMS, queryWords, termForms } from '../src/domain/search-terms';
import { memoryInput, type MemoryStore, type StoreMemoryInput } from '../src/memory';
import { tfOfWord } from '../src/memory/search/exact';
import { createTestDatabase, openStore } from './helpers';

describe('other forms of a query word', () => {
  it('joins each word with the next, splits words of letters, and maps abbreviations both ways', () => {
    const forms = termForms('DB failover');
    assert.deepEqual(queryWords('DB failover?'), ['db', 'failover']);
    assert.ok(forms.some((f) => f.head === 'db' && f.form === 'dbfailover' && f.nodes === 1));
    assert.ok(forms.some((f) => f.head === 'db' && f.form === 'database' && f.nodes === 0));
    assert.ok(forms.some((f) => f.head === 'failover' && f.form === 'fail over' && f.nodes === 3));
    assert.ok(!forms.some((f) => f.head === 'db' && f.nodes === 3), 'too short to split');
    assert.equal(ABBREVIATIONS.db, 'database');
    assert.ok(termForms('the database').some((f) => f.head === 'database' && f.form === 'db'));
  });

  it('keeps the parts of a split at three letters or more, and a long query to a bounded number of forms', () => {
    const splits = termForms('rollback').filter((f) => f.nodes === 3);
    assert.deepEqual(
      splits.map((f) => f.form),
      ['rol lback', 'roll back', 'rollb ack'],
    );
    const long = termForms(Array.from({ length: 200 }, (_, i) => `word${i} component${i}`).join(' '));
    assert.equal(long.length, MAX_FORMS);
    assert.ok(
      long.every((f) => f.nodes !== 3),
      'joins and abbreviations come before splits',
    );
  });
});

describe('search finds a word however it is written (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: MemoryStore;
  const entry = (key: string, title: string | undefined, content: string): StoreMemoryInput => ({
    key,
    ...(title ? { title } : {}),
    content,
    memoryType: 'knowledge',
    scope: 'tenant',
    tenantId: 'acme',
  });
  const keys = async (query: string) =>
    (await store.entries.search(memoryInput.search({ query, tenantId: 'acme', sources: ['entries'] }))).map((h) =>
      h.kind === 'entry' ? h.entry.key : '',
    );

  before(async () => {
    db = await createTestDatabase();
    store = await openStore(db.url);
    for (const e of [
      // The quick start's entry over HTTP, and the same runbook as the CLI stores it (a title only).
      entry('runbook/db', 'DB failover runbook', 'how we fail over the database'),
      entry('cli/runbook/db', 'DB failover runbook', ''),
      entry('note/cache', 'Cache warm-up runbook', 'how we warm the cache after a deploy'),
      entry('note/size', undefined, 'the database grew by ten gigabytes this month'),
      entry('note/weekend', undefined, 'the deploy failed on Saturday because the disk was full'),
      entry('note/release', undefined, 'we roll back the release when the canary fails'),
      entry('note/rollback', undefined, 'the rollback took four minutes'),
      entry('note/issue', undefined, 'the issue tracker is down again'),
      entry('note/agent', undefined, 'the billing agent restarted twice'),
      entry('note/able', undefined, 'we were not able to reach the cluster'),
    ]) {
      await store.entries.store(memoryInput.store(e));
    }
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('finds the quick start\'s runbook first for the README\'s question and for "db failover"', async () => {
    const asked = await keys('how do we fail over the database?');
    assert.equal(asked[0], 'runbook/db', asked.join(', '));
    assert.ok(asked.indexOf('cli/runbook/db') < asked.indexOf('note/size'), `the title alone: ${asked.join(', ')}`);
    const short = await keys('db failover');
    assert.deepEqual(short.slice(0, 2).sort(), ['cli/runbook/db', 'runbook/db'], short.join(', '));
  });

  it('finds a compound written apart, and written together, whichever way the query has it', async () => {
    const together = await keys('rollback');
    assert.deepEqual(together.slice(0, 2).sort(), ['note/release', 'note/rollback'], together.join(', '));
    const apart = await keys('how do we roll back?');
    assert.deepEqual(apart.slice(0, 2).sort(), ['note/release', 'note/rollback'], apart.join(', '));
  });

  it('does not let a form match what the query did not ask for', async () => {
    assert.deepEqual(await keys('who is Sue?'), [], '"is sue" is not "issue": its head is a stop word');
    assert.deepEqual(await keys('a gent from the city'), [], '"a gent" is not "agent"');
    assert.deepEqual(await keys('notable'), [], '"notable" is not "not able"');
    assert.deepEqual(await keys('tracker'), ['note/issue']);
  });

  it('counts the occurrences of a word exactly, up to the 256 positions a lexeme keeps', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      const result = await pool.query<{ n: number; tf: number }>(
        `select n, (${tfOfWord("'a'::tsquery")})::int as tf
         from generate_series(1, 300) as n,
           lateral (select ('a:' || array_to_string(array(select generate_series(1, n)), ','))::tsvector
                      || 'b:1000'::tsvector as search_vector) as m`,
      );
      for (const { n, tf } of result.rows) assert.equal(tf, Math.min(n, 256), `${n} occurrences`);
      const tag = await pool.query<{ tf: number }>(
        `select (${tfOfWord("'a'::tsquery")})::int as tf from (select 'a b'::tsvector as search_vector) as m`,
      );
      assert.equal(tag.rows[0]!.tf, 1, 'a word without positions (a tag) counts once');
    } finally {
      await pool.end();
    }
  });
});
