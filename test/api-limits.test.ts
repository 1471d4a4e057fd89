/**
 * The HTTP API's limits against abuse, on running servers over real PostgreSQL: a flood of random
 * keys is refused (429) after the address's budget of failures with no key look-up beyond it, and
 * malformed keys cost no look-up at all; two servers over one database share a key's rate limit;
 * a request whose body (or headers) stalls is closed after the configured timeout, and
 * connections beyond the cap are refused; an MCP batch is capped, each message spends the key's
 * limit and each tool call is an access-log row; MCP tool errors carry the route’s error body; the
 * console’s sign-in spends the same budget of failed keys.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AuthFailureBudget, KeyRateLimit, LIMIT_WINDOW_MS, addressGroup } from '../src/api/limits';
import { ApiKeyStore } from '../src/memory';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import type { BrainOpsConfig } from '../temporal.config';
import { awayFromMinuteEdge, eventually, logger, testConfig, useTestStack } from './helpers';

/** A key of the right shape that no one was given. */
const randomKey = () => `bo_${crypto.randomBytes(32).toString('base64url')}`;

/** Runs `work` for 0..n-1, `width` at a time. */
async function inParallel<T>(n: number, width: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width)
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_v, j) => work(i + j)))));
  return out;
}

/** A raw connection to `port`: what it received, and a promise of its close (rejected after `ms`, so a hang fails). */
function rawSocket(port: number, ms = 20_000) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open for ${ms} ms`)), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, connected, closed, received: () => received };
}

describe('API limits (running servers, real PostgreSQL)', () => {
  const servers: ServedApi[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });
  const stack = useTestStack();
  let keys: ApiKeyStore;
  /** Look-ups of keys in the database, counted by wrapping the store's `verify` (the real one still runs). */
  let lookUps = 0;

  /** Serves the API over this file's store with `api` limits. */
  async function serve(api: Partial<BrainOpsConfig['api']>, log = logger): Promise<ServedApi> {
    const config = testConfig(stack.db.url);
    const server = await serveApi(
      {
        config: { ...config, api: { ...config.api, host: '127.0.0.1', ...api } },
        client: stack.client(config),
        store: stack.store,
        logger: log,
      },
      0,
    );
    servers.push(server);
    return server;
  }

  async function call(base: string, path: string, opts: { key?: string; body?: unknown; method?: string } = {}) {
    const response = await fetch(`${base}${path}`, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** POSTs JSON-RPC `messages` to `/mcp` (a batch when an array). */
  function mcp(base: string, key: string, messages: unknown) {
    return fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(messages),
    });
  }
  const toolCall = (id: number, name: string, args: unknown) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });

  before(() => {
    keys = new ApiKeyStore(stack.store.pool);
    const verify = stack.store.apiKeys.verify.bind(stack.store.apiKeys);
    stack.store.apiKeys.verify = (key: string) => {
      lookUps++;
      return verify(key);
    };
  });

  it('refuses malformed keys without a look-up, and a flood of random keys with 429 after the address’s budget', async () => {
    const budget = 8;
    const server = await serve({ authFailuresPerMinute: budget });
    const good = await keys.create({ tenantId: 'acme', role: 'reader' });
    const cachedFirst = await call(server.url, '/memory/context/stats', { key: good.key });
    assert.equal(cachedFirst.status, 200, 'a good key, now cached by this server');

    const before = lookUps;
    for (const malformed of ['bo_short', 'not-a-key', `bo_${'x'.repeat(44)}`, `xx_${'x'.repeat(43)}`]) {
      const answer = await call(server.url, '/memory/context/stats', { key: malformed });
      assert.equal(answer.status, 401, malformed);
      assert.match(answer.body.message, /malformed/);
    }
    assert.equal(lookUps - before, 0, 'a malformed key is never looked up');

    // 200 random well-formed keys, 20 at a time: only what is left of the budget is looked up.
    const flood = await inParallel(200, 20, () => call(server.url, '/memory/context/stats', { key: randomKey() }));
    const statuses = flood.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 401).length, budget - 4, 'the rest of the budget: 401');
    assert.equal(statuses.filter((s) => s === 429).length, 200 - (budget - 4), 'then 429');
    assert.equal(lookUps - before, budget - 4, 'no look-up beyond the budget');
    const refused = flood.find((a) => a.status === 429)!;
    assert.equal(refused.body.error, 'TooManyRequests');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');

    // A key this server verified moments ago still works from the address; an unverified one waits too.
    assert.equal((await call(server.url, '/memory/context/stats', { key: good.key })).status, 200);
    const other = await keys.create({ tenantId: 'acme', role: 'reader' });
    assert.equal((await call(server.url, '/memory/context/stats', { key: other.key })).status, 429);
    assert.equal(lookUps - before, budget - 4, 'still no look-up');
    // Requests without a key cost nothing and are told what to send.
    assert.equal((await call(server.url, '/memory/context/stats')).status, 401);
  });

  it('counts an IPv6 client’s failures by its /64, an IPv4 client’s by its address', () => {
    assert.equal(addressGroup('203.0.113.9'), '203.0.113.9');
    assert.equal(addressGroup('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(addressGroup('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
    assert.equal(addressGroup('2001:0DB8:00aa:00bb::99'), '2001:db8:aa:bb::/64');
    assert.equal(addressGroup('2001:db8::1%eth0'), '2001:db8:0:0::/64');
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
    const budget = new AuthFailureBudget(2, () => 0);
    assert.deepEqual(
      ['2001:db8:aa:bb::1', '2001:db8:aa:bb::2', '2001:db8:aa:bb::3', '2001:db8:aa:cc::1'].map((a) => budget.take(a)),
      [0, 0, 60, 0],
      'a third address of the same /64 waits; another /64 does not',
    );
  });

  it('a burst of one good key on a server that has not verified it yet is one look-up and no 429, whatever the budget of failures', async () => {
    const server = await serve({ authFailuresPerMinute: 3 });
    const good = await keys.create({ tenantId: 'acme', role: 'reader' });
    const before = lookUps;
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => call(server.url, '/memory/context/stats', { key: good.key })),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    assert.equal(lookUps - before, 1, 'the burst shared one look-up');
    const unknown = randomKey();
    const refused = await Promise.all(
      Array.from({ length: 10 }, () => call(server.url, '/memory/context/stats', { key: unknown })),
    );
    assert.deepEqual([...new Set(refused.map((a) => a.status))], [401], 'one unknown key at once: one failure');
  });

  it('holds the console’s sign-in to the same budget of failed keys per address', async () => {
    const server = await serve({ authFailuresPerMinute: 3 });
    const page = await fetch(`${server.url}/console/sign-in`);
    const cookie = (page.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    assert.ok(csrf, 'the sign-in form carries a CSRF token');
    const signIn = async (key: string) => {
      const response = await fetch(`${server.url}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, key, next: '/console' }).toString(),
      });
      await response.text();
      return response;
    };
    const before = lookUps;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn(randomKey())).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal(lookUps - before, 3, 'no look-up once the budget is spent');
    assert.ok(Number((await signIn(randomKey())).headers.get('retry-after')) >= 1);
  });

  it('shares a key’s rate limit between two servers over the same database', async () => {
    const limit = 5;
    const [a, b] = [await serve({ rateLimitPerMinute: limit }), await serve({ rateLimitPerMinute: limit })];
    const { key, record } = await keys.create({ tenantId: 'acme', role: 'reader' });
    await awayFromMinuteEdge();
    const answers = await inParallel(16, 4, (i) => call(i % 2 ? a.url : b.url, '/memory/context/stats', { key }));
    const ok = answers.filter((x) => x.status === 200);
    assert.equal(ok.length, limit, `2xx across both servers: ${answers.map((x) => x.status).join(',')}`);
    const limited = answers.filter((x) => x.status === 429);
    assert.equal(limited.length, 16 - limit);
    for (const answer of limited) {
      assert.equal(answer.body.error, 'TooManyRequests');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
      assert.equal(answer.headers.get('x-ratelimit-limit'), String(limit));
      assert.equal(answer.headers.get('x-ratelimit-remaining'), '0');
    }
    assert.ok(ok.every((x) => Number(x.headers.get('x-ratelimit-remaining')) < limit));
    const counted = await stack.store.pool.query<{ count: number }>(`select count from rate_limits where key = $1`, [
      record.id,
    ]);
    assert.equal(counted.rows.length, 1, 'one row for the key and window');
    const count = counted.rows[0]!.count;
    // Each server counts until it sees the key over its limit, then refuses it without a statement.
    assert.ok(count > limit && count <= 16, `counted ${count}`);
  });

  it('deletes the counts of ended windows', async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const limiter = new KeyRateLimit(
      async () => stack.store,
      100,
      pino({ level: 'silent' }),
      () => now,
    );
    const key = `prune-${crypto.randomUUID()}`;
    assert.equal((await limiter.take(key, 3))!.remaining, 97);
    assert.equal((await limiter.take(key))!.remaining, 96);
    now += 2 * LIMIT_WINDOW_MS;
    const fresh = await limiter.take(key);
    assert.deepEqual(fresh, { limit: 100, remaining: 99, resetSeconds: 30, allowed: true });
    await eventually(
      async () => {
        const rows = await stack.store.pool.query(`select window_start from rate_limits where key = $1`, [key]);
        return rows.rowCount === 1 ? true : undefined;
      },
      10_000,
      'the ended window deleted',
    );
  });

  it('reserves a key’s units in blocks: one statement per block, and never more grants than the limit', async () => {
    let hits = 0;
    const counting = {
      rateLimits: {
        hit: (...args: Parameters<typeof stack.store.rateLimits.hit>) => {
          hits++;
          return stack.store.rateLimits.hit(...args);
        },
        prune: (before: Date) => stack.store.rateLimits.prune(before),
      },
    } as unknown as typeof stack.store;
    const now = Date.UTC(2026, 0, 1, 12, 0, 30);
    // Two servers over the same count; a limit of 100 is reserved 5 units at a time.
    const servers = [0, 1].map(
      () =>
        new KeyRateLimit(
          async () => counting,
          100,
          pino({ level: 'silent' }),
          () => now,
        ),
    );
    const key = `blocks-${crypto.randomUUID()}`;
    let granted = 0;
    for (let i = 0; i < 140; i++) if ((await servers[i % 2]!.take(key))!.allowed) granted++;
    assert.ok(granted <= 100 && granted >= 90, `granted ${granted} of a limit of 100 across two servers`);
    assert.ok(hits <= 24, `${hits} statements for 140 requests`);
    const shared = await stack.store.pool.query<{ count: number }>(`select count from rate_limits where key = $1`, [
      key,
    ]);
    assert.ok(shared.rows[0]!.count <= 100 + 2 * 5, `shared count ${shared.rows[0]!.count}`);
  });

  it('closes a request whose body or headers stall, after the configured timeouts', async () => {
    const server = await serve({ requestTimeoutMs: 1000, headersTimeoutMs: 500 });
    const writer = await keys.create({ tenantId: 'acme', role: 'writer' });
    const body = rawSocket(server.port);
    await body.connected;
    body.socket.write(
      'POST /memory/context/store HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${writer.key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"key":`,
    );
    await body.closed;
    assert.match(body.received(), /^(HTTP\/1\.1 408|$)/, 'a 408, or just closed');

    const headers = rawSocket(server.port);
    await headers.connected;
    headers.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await headers.closed;
    assert.match(headers.received(), /^(HTTP\/1\.1 408|$)/);
  });

  it('refuses connections beyond the cap', async () => {
    const server = await serve({ maxConnections: 2 });
    const open = [rawSocket(server.port), rawSocket(server.port)];
    for (const s of open) {
      await s.connected;
      s.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    }
    await eventually(async () => (open.every((s) => s.received().includes('200 OK')) ? true : undefined));
    const third = rawSocket(server.port);
    third.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await third.closed;
    assert.equal(third.received(), '', 'the third connection was dropped unanswered');
    for (const s of open) s.socket.destroy();
    await Promise.all(open.map((s) => s.closed));
    assert.equal((await call(server.url, '/healthz')).status, 200, 'served again once the others closed');
  });

  it('caps MCP batches, charges each message and logs each tool call', async () => {
    const server = await serve({ rateLimitPerMinute: 6, mcpBatchMax: 4 });
    const { key, record } = await keys.create({ tenantId: 'acme', role: 'writer' });
    await awayFromMinuteEdge();
    const store = (i: number) =>
      toolCall(i, 'memory_store', { key: `batch/${i}`, memory_type: 'knowledge', scope: 'tenant', value: i });

    const tooLarge = await mcp(server.url, key, [1, 2, 3, 4, 5].map(store));
    assert.equal(tooLarge.status, 400);
    const refusal = (await tooLarge.json()) as any;
    assert.equal(refusal.error.code, -32600);
    assert.match(refusal.error.message, /at most 4 messages; this one holds 5/);
    assert.equal(tooLarge.headers.get('x-ratelimit-remaining'), null, 'refused before it was charged');

    const batch = await mcp(server.url, key, [1, 2, 3, 4].map(store));
    assert.equal(batch.status, 200);
    assert.equal(batch.headers.get('x-ratelimit-remaining'), '2', 'four messages, four units of six');
    const results = (await batch.json()) as any[];
    assert.deepEqual(results.map((r) => r.id).sort(), [1, 2, 3, 4]);
    assert.ok(
      results.every((r) => !r.result.isError),
      JSON.stringify(results),
    );

    const over = await mcp(server.url, key, [5, 6, 7].map(store));
    assert.equal(over.status, 429, 'three messages do not fit in the two units left');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    const stored = await stack.store.pool.query(`select key from memory_entries where key like 'batch/%' order by key`);
    assert.deepEqual(
      stored.rows.map((r: { key: string }) => r.key),
      ['batch/1', 'batch/2', 'batch/3', 'batch/4'],
      'none of the refused batches ran',
    );

    await server.api.drain();
    const rows = (await keys.listAccesses({ tenantId: 'acme', limit: 1000 })).filter((r) => r.keyId === record.id);
    assert.deepEqual(
      rows
        .filter((r) => r.status === 200)
        .map((r) => r.operation)
        .sort(),
      ['mcp.memory_store', 'mcp.memory_store', 'mcp.memory_store', 'mcp.memory_store'],
      'a row per tool call, none for the batch as a whole',
    );
  });

  it('answers MCP tool errors with the route’s JSON error body and status', async () => {
    // The failure this test provokes is logged as an error; it is expected here.
    const server = await serve({}, pino({ level: 'silent' }));
    const reader = await keys.create({ tenantId: 'acme', role: 'reader' });
    const writer = await keys.create({ tenantId: 'acme', role: 'writer' });
    const cases: [string, string, string, unknown][] = [
      [writer.key, '/memory/context/store', 'memory_store', { key: '', memory_type: 'nonsense' }],
      [writer.key, '/memory/context/store', 'memory_store', { key: 'k', memory_type: 'knowledge', sessionId: 'x' }],
      [reader.key, '/memory/context/store', 'memory_store', { key: 'k', memory_type: 'knowledge', scope: 'tenant' }],
      [reader.key, '/memory/context/retrieve', 'memory_retrieve', { key: 'missing', scope: 'tenant' }],
    ];
    for (const [key, path, tool, args] of cases) {
      const http = await call(server.url, path, { key, body: args });
      assert.ok(http.status >= 400, `${path} ${JSON.stringify(args)}: ${http.status}`);
      const answer = (await (await mcp(server.url, key, toolCall(1, tool, args))).json()) as any;
      assert.equal(answer.result.isError, true);
      const { status, ...body } = JSON.parse(answer.result.content[0].text);
      assert.equal(status, http.status, `${tool} ${JSON.stringify(args)}`);
      assert.deepEqual(body, http.body, `${tool} ${JSON.stringify(args)}: the route's body`);
    }

    // An unexpected failure: the route's 500 body, not the failure's own message.
    const search = server.api.memory.search as { call: (...args: unknown[]) => Promise<unknown> };
    const real = search.call;
    search.call = () => Promise.reject(new Error('connection string postgres://secret@db'));
    try {
      const http = await call(server.url, '/memory/context/search', { key: reader.key, body: { query: 'x' } });
      const answer = (await (
        await mcp(server.url, reader.key, toolCall(1, 'memory_search', { query: 'x' }))
      ).json()) as any;
      const { status, ...body } = JSON.parse(answer.result.content[0].text);
      assert.equal(http.status, 500);
      assert.equal(status, 500);
      assert.deepEqual(body, http.body);
      assert.doesNotMatch(JSON.stringify(answer), /secret/);
    } finally {
      search.call = real;
    }
  });
});
