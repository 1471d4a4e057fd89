/**
 * Retrieval: natural-language search over memory entries and session messages, the local
 * embedding and the OpenAI-compatible client (against a server process of its own), the
 * embedding catch-up workflow (also after its worker is killed), and the filters of message
 * search. Real Temporal dev server, real PostgreSQL.
 */
import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../temporal.config';
import { createLocalEmbedder } from '../src/embeddings/local';
import { createOpenAiCompatibleEmbedder, EmbeddingRequestError } from '../src/embeddings/openai-compatible';
import type { MemorySearchHit } from '../src/memory';
import { embeddingCatchUpWorkflow } from '../src/workflows';
import { embedPendingBatch } from '../src/activities/embeddings';
import { NEIGHBOUR_SHARE, spreadToNeighbours } from '../src/domain/search-fusion';
import { EXACT_UP_TO } from '../src/memory/search/lexical';
import { eventually, testConfig, testWorker, useTestStack, spawnWorkerProcess } from './helpers';

const cacheDir = loadConfig().cacheDir;
const localEmbedder = createLocalEmbedder(cacheDir);

function startEmbeddingsServer(
  mode: string,
): Promise<{ url: string; stop(): Promise<void>; requests(): Promise<number> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'embeddings-server.ts')],
    {
      env: { ...process.env, EMBEDDINGS_SERVER_MODE: mode },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`embeddings server exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const port = /listening (\d+)/.exec(d.toString())?.[1];
      if (!port) return;
      const base = `http://127.0.0.1:${port}`;
      resolve({
        url: `${base}/v1`,
        requests: async () => ((await (await fetch(`${base}/requests`)).json()) as { requests: number }).requests,
        stop: () =>
          new Promise<void>((r) => {
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

const label = (h: MemorySearchHit) => (h.kind === 'entry' ? h.entry.key : `${h.message.sessionId}#${h.message.seq}`);

describe('OpenAI-compatible embeddings client (a server process on loopback)', () => {
  it('batches, keeps the order of the inputs, sends the key, and answers unit vectors', async () => {
    const server = await startEmbeddingsServer('ok');
    try {
      const embedder = createOpenAiCompatibleEmbedder({
        url: server.url,
        model: 'm',
        dimensions: 8,
        apiKey: 'k1',
        batchSize: 2,
      });
      const texts = ['alpha beta', 'gamma', 'alpha beta', 'delta epsilon', 'gamma'];
      const vectors = await embedder.embed(texts);
      assert.equal(vectors.length, 5);
      assert.equal(await server.requests(), 3, '5 texts in batches of 2');
      assert.deepEqual(vectors[0], vectors[2], 'equal texts, equal vectors, whatever the answer order');
      assert.deepEqual(vectors[1], vectors[4]);
      assert.notDeepEqual(vectors[0], vectors[1]);
      for (const v of vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
      assert.equal(embedder.model, 'openai-compatible:m:8');
    } finally {
      await server.stop();
    }
  });

  it('retries 503 answers, and refuses a 400 at once naming the status', async () => {
    const flaky = await startEmbeddingsServer('flaky');
    try {
      const embedder = createOpenAiCompatibleEmbedder({ url: flaky.url, model: 'm', dimensions: 8 });
      assert.equal((await embedder.embed(['one', 'two'])).length, 2);
      assert.equal(await flaky.requests(), 2, 'one 503, then the answer');
    } finally {
      await flaky.stop();
    }
    const bad = await startEmbeddingsServer('bad-request');
    try {
      const embedder = createOpenAiCompatibleEmbedder({ url: bad.url, model: 'm', dimensions: 8 });
      await assert.rejects(
        embedder.embed(['x']),
        (e) => e instanceof EmbeddingRequestError && !e.retryable && /HTTP 400/.test(e.message),
      );
      assert.equal(await bad.requests(), 1, 'a permanent error is not retried');
    } finally {
      await bad.stop();
    }
  });

  it('gives up on a request after its timeout, retrying a bounded number of times', async () => {
    const slow = await startEmbeddingsServer('slow');
    try {
      const embedder = createOpenAiCompatibleEmbedder({
        url: slow.url,
        model: 'm',
        dimensions: 8,
        timeoutMs: 300,
        maxAttempts: 2,
      });
      const started = Date.now();
      await assert.rejects(
        embedder.embed(['x']),
        (e) => e instanceof EmbeddingRequestError && e.retryable && /failed/.test(e.message),
      );
      assert.ok(Date.now() - started < 5000, 'bounded');
    } finally {
      await slow.stop();
    }
  });

  it('refuses a wrong-sized answer', async () => {
    const server = await startEmbeddingsServer('ok');
    try {
      const embedder = createOpenAiCompatibleEmbedder({ url: server.url, model: 'm', dimensions: 16 });
      await assert.rejects(embedder.embed(['x']), /expected 16 numbers/);
    } finally {
      await server.stop();
    }
  });
});

describe('natural-language search (real PostgreSQL, local embedding)', () => {
  const stack = useTestStack({ embedder: localEmbedder });

  const turns = [
    ['t1', 's1', 'Caroline: I went to a LGBTQ support group yesterday and it was so powerful.'],
    ['t2', 's1', 'Melanie: That sounds amazing! What happened there?'],
    ['t3', 's1', "Caroline: I've been researching adoption agencies, I want to give a kid a loving home."],
    ['t4', 's1', 'Melanie: Wow, that is a big step. Painting helps me relax, by the way.'],
    ['t5', 's2', 'Melanie: I took my kids camping at the beach last weekend.'],
    ['t6', 's2', 'Caroline: I love the beach! I should go more often.'],
  ] as const;

  it('finds the turn that answers a question asked in the words of the asker', async () => {
    for (const [key, session, content] of turns) {
      await stack.store.entries.store(
        memoryInput.store({
          key,
          content,
          memoryType: 'user_interaction',
          scope: 'tenant',
          tenantId: 'locomo',
          sessionId: session,
        }),
      );
    }
    const lexicalAtOnce = await stack.store.entries.search(
      memoryInput.search({
        query: 'what did Caroline research?',
        tenantId: 'locomo',
        explain: true,
      }),
    );
    assert.equal(label(lexicalAtOnce[0]!), 't3', 'lexically at once, before any embedding');
    assert.equal(lexicalAtOnce[0]!.explain?.semantic, undefined);
    while (!(await embedPendingBatch(stack.store, localEmbedder, { limit: 100 })).caughtUp);
    const hits = await stack.store.entries.search(
      memoryInput.search({ query: 'what did Caroline research?', tenantId: 'locomo', explain: true }),
    );
    assert.equal(label(hits[0]!), 't3');
    const parts = hits[0]!.explain!;
    assert.ok(parts.lexical && parts.semantic, 'both lists found it');
    assert.ok(parts.fused > 0 && parts.importance > 0 && parts.recency > 0 && parts.access >= 1);
    assert.equal(
      await stack.store.entries
        .search(memoryInput.search({ query: 'what did Caroline research?', tenantId: 'other' }))
        .then((h) => h.length),
      0,
    );
  });

  it('finds by meaning what shares no word with the query, once embedded', async () => {
    const hits = await stack.store.entries.search(
      memoryInput.search({ query: 'seaside holiday with children', tenantId: 'locomo', limit: 3 }),
    );
    assert.ok(
      hits.some((h) => label(h) === 't5'),
      `camping at the beach with kids: ${hits.map(label).join(', ')}`,
    );
    const exact = await stack.store.entries.search(
      memoryInput.search({
        query: 'seaside holiday with children',
        tenantId: 'locomo',
        mode: 'websearch',
      }),
    );
    assert.equal(exact.length, 0, 'web-search syntax needs the words themselves');
  });

  it('re-embeds an entry written again, and only that one', async () => {
    const before = await stack.store.pool.query('select entry_id, computed_at from entry_embeddings order by entry_id');
    await stack.store.entries.store(
      memoryInput.store({
        key: 't6',
        content: 'Caroline: mountains are better than the sea',
        memoryType: 'user_interaction',
        scope: 'tenant',
        tenantId: 'locomo',
        sessionId: 's2',
      }),
    );
    const batch = await embedPendingBatch(stack.store, localEmbedder, { limit: 100, resume: true });
    assert.equal(batch.entries, 1);
    const after = await stack.store.pool.query('select entry_id, computed_at from entry_embeddings order by entry_id');
    assert.equal(after.rows.length, before.rows.length);
    const changed = after.rows.filter((r, i) => r.computed_at.getTime() !== before.rows[i].computed_at.getTime());
    assert.equal(changed.length, 1);
  });
});

describe('neighbouring turns', () => {
  it('share a score with the turns one and two away, fading with distance, and no further', () => {
    const spread = spreadToNeighbours([{ key: 'hit', fused: 1, neighbours: 0 }], () => [
      { key: 'next', distance: 1 },
      { key: 'after-next', distance: 2 },
      { key: 'far', distance: 3 },
    ]);
    const share = (key: string) => spread.find((c) => c.key === key)?.neighbours;
    assert.equal(share('next'), NEIGHBOUR_SHARE);
    assert.ok(Math.abs(share('after-next')! - NEIGHBOUR_SHARE ** 2) < 1e-12);
    assert.equal(share('far'), undefined);
    assert.equal(share('hit'), 0);
  });
});

describe('search in a collection past exact ranking (real PostgreSQL)', () => {
  const stack = useTestStack();

  it('finds the selective word among common ones, with shared knowledge and never another scope of no tenant', async () => {
    // Every entry holds "routine"; one in 500 holds "kestrel" too.
    await stack.store.pool.query(
      `insert into memory_entries (key, content, memory_type, layer, scope, tenant_id)
       select 'big/' || g, 'routine note ' || g || case when g % 500 = 0 then ' kestrel sighting' else '' end,
         'knowledge', 'long_term', 'tenant', 'big'
       from generate_series(1, $1::int) g`,
      [EXACT_UP_TO + 1000],
    );
    await stack.store.pool.query(
      `insert into memory_entries (key, content, memory_type, layer, scope, tenant_id) values
         ('shared/kestrel', 'routine: a kestrel guide for everyone', 'knowledge', 'permanent', 'global', null),
         ('system/kestrel', 'routine: a kestrel note of no tenant', 'knowledge', 'permanent', 'agent', null)`,
    );
    await stack.store.pool.query('analyze memory_entries');
    const hits = await stack.store.entries.search(
      memoryInput.search({ query: 'routine kestrel', tenantId: 'big', limit: 50 }),
    );
    const keys = hits.map((h) => (h.kind === 'entry' ? h.entry.key : ''));
    const kestrels = keys.filter((k) => k.startsWith('big/') && Number(k.slice(4)) % 500 === 0);
    assert.equal(kestrels.length, Math.floor((EXACT_UP_TO + 1000) / 500), `every kestrel entry: ${keys.join(', ')}`);
    assert.ok(keys.includes('shared/kestrel'), 'shared knowledge');
    assert.ok(!keys.includes('system/kestrel'), 'an untenanted entry of another scope');
    const common = await stack.store.entries.search(
      memoryInput.search({ query: 'routine', tenantId: 'big', includeShared: false, limit: 10 }),
    );
    assert.equal(common.length, 10, 'a word in every entry still finds entries');
    assert.ok(common.every((h) => h.kind === 'entry' && h.entry.tenantId === 'big'));
  });
});

describe('message search and the embedding catch-up workflow (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack({ embedder: localEmbedder });

  it('searches session messages with the tenant, session, user, agent, type and time filters', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await client.startSession({ tenantId: 'acme', sessionId: 'billing', userId: 'ann', agentId: 'support' });
      await client.addMessage(
        { tenantId: 'acme', sessionId: 'billing' },
        { role: 'user', content: 'My invoice for March is wrong, it charges twice' },
      );
      await client.addMessage(
        { tenantId: 'acme', sessionId: 'billing' },
        { role: 'assistant', content: 'I will refund the duplicate invoice charge', agentId: 'billing-bot' },
      );
      await client.startSession({ tenantId: 'acme', sessionId: 'other', userId: 'bob' });
      await client.addMessage(
        { tenantId: 'acme', sessionId: 'other' },
        { role: 'user', content: 'Where is my invoice?' },
      );
      await client.startSession({ tenantId: 'globex', sessionId: 'billing', userId: 'ann' });
      await client.addMessage(
        { tenantId: 'globex', sessionId: 'billing' },
        { role: 'user', content: 'invoice invoice invoice' },
      );
      await eventually(async () =>
        (await client.sessionContext({ tenantId: 'acme', sessionId: 'other' })).conversation.persistedThrough === 1
          ? true
          : undefined,
      );
      await eventually(async () =>
        (await client.sessionContext({ tenantId: 'acme', sessionId: 'billing' })).conversation.persistedThrough === 2
          ? true
          : undefined,
      );
    });
    const store = stack.store;
    const search = (extra: object) =>
      store.entries
        .search(
          memoryInput.search({ query: 'what did the customer say about the invoice?', tenantId: 'acme', ...extra }),
        )
        .then((h) => h.map(label).sort());
    assert.deepEqual(
      await search({}),
      ['billing#1', 'billing#2', 'other#1'],
      'messages name their session and seq; never another tenant',
    );
    const [first] = await store.entries.search(
      memoryInput.search({ query: 'invoice charged twice', tenantId: 'acme' }),
    );
    assert.ok(
      first?.kind === 'message' &&
        first.message.sessionId === 'billing' &&
        first.message.seq === 1 &&
        first.message.role === 'user',
    );
    assert.deepEqual(await search({ sessionId: 'other' }), ['other#1']);
    assert.deepEqual(await search({ userId: 'ann' }), ['billing#1', 'billing#2']);
    assert.deepEqual(await search({ agentId: 'billing-bot' }), ['billing#2']);
    assert.deepEqual(await search({ memoryTypes: ['ai_response'] }), ['billing#2']);
    assert.deepEqual(await search({ memoryTypes: ['user_interaction'] }), ['billing#1', 'other#1']);
    assert.deepEqual(await search({ until: new Date(Date.now() - 3_600_000) }), []);
    assert.deepEqual(await search({ since: new Date(Date.now() - 3_600_000) }), ['billing#1', 'billing#2', 'other#1']);
    assert.deepEqual(await search({ tags: ['x'] }), [], 'messages carry no tags');
    assert.deepEqual(await search({ sources: ['entries'] }), []);
    assert.deepEqual(await search({ mode: 'websearch', query: 'refund invoice' }), ['billing#2']);
  });

  it('embeds everything after its worker is killed mid-run, each text once', async () => {
    const config = testConfig(stack.db.url);
    const total = 1500;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          stack.store.entries.store(
            memoryInput.store({
              key: `bulk/${i + j}`,
              content: `note ${i + j} about the checkout service and its invoices`,
              memoryType: 'knowledge',
              scope: 'tenant',
              tenantId: 'bulk',
            }),
          ),
        ),
      );
    }
    const count = async () =>
      Number(
        (
          await stack.store.pool.query(
            "select count(*) from entry_embeddings x join memory_entries m on m.id = x.entry_id where m.tenant_id = 'bulk'",
          )
        ).rows[0].count,
      );
    const { child, exited } = spawnWorkerProcess(stack, config);
    const handle = await stack.env.client.workflow.start(embeddingCatchUpWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: 'embeddings/test-kill',
      args: [{ untilCaughtUp: true, batchSize: 20, heartbeatTimeoutMs: 5_000 }],
    });
    try {
      await eventually(async () => ((await count()) >= 100 ? true : undefined), 60_000, 'the first batches embedded');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const atKill = await count();
    assert.ok(atKill < total, `killed mid-run (${atKill} of ${total} embedded)`);
    const worker = await testWorker(stack.env, config, stack.store);
    const result = await worker.runUntil(handle.result());
    assert.equal(result.caughtUp, true);
    assert.equal(await count(), total, 'every entry embedded');
    const duplicates = await stack.store.pool.query(
      'select entry_id from entry_embeddings group by model, entry_id having count(*) > 1',
    );
    assert.equal(duplicates.rows.length, 0);
  });
});
