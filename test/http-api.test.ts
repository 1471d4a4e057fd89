/**
 * The HTTP API against a running server (real Temporal, real PostgreSQL): every route with good
 * input, bad input (400 naming the field), no key (401), the wrong role (403) and another
 * tenant's ids (404); 409, 413 and 429; CORS; the access log; the OpenAPI document, validated.
 * Every 200 JSON answer the tests receive is held against its route's documented response schema.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import Fastify from 'fastify';
import type { z } from 'zod';
import { ApiKeyStore } from '../src/memory';
import { registerRoutes } from '../src/http/routes';
import { BrainOpsApi } from '../src/api';
import { serveApi } from '../src/stack/api-server';
import { awayFromMinuteEdge, eventually, logger, testConfig, useTestApiServer } from './helpers';
import { loadConfig } from '../temporal.config';

type Answer = { status: number; body: Record<string, unknown> & { field?: string; reason?: string } };

/** A route's documented 200 answer, taken from the routes as the server registers them. */
interface DocumentedRoute {
  method: string;
  url: string;
  pattern: RegExp;
  schema: z.ZodType;
}

function documentedRoutes(): DocumentedRoute[] {
  const app = Fastify();
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const schema = (route.schema?.response as Record<number, z.ZodType> | undefined)?.[200];
    if (!schema) return;
    const pattern = new RegExp(`^${route.url.replace(/:[A-Za-z_]+/g, '[^/]+')}$`);
    // HEAD routes fastify adds for each GET answer no body.
    for (const method of [route.method].flat().filter((m) => m !== 'HEAD'))
      routes.push({ method, url: route.url, pattern, schema });
  });
  // Only registered: no handler runs, so the API opens nothing.
  const unused = () => Promise.reject(new Error('not opened: routes are only registered'));
  registerRoutes(app, new BrainOpsApi({ config: loadConfig({}), logger, store: unused, client: unused }));
  void app.close();
  return routes;
}

/** Paths of fields in `answer` that `parsed` lacks: what a plain object schema strips is undocumented. */
function undocumentedFields(answer: unknown, parsed: unknown, at = ''): string[] {
  if (Array.isArray(answer) && Array.isArray(parsed))
    return answer.flatMap((item, i) => undocumentedFields(item, parsed[i], `${at}[${i}]`));
  if (!answer || typeof answer !== 'object' || !parsed || typeof parsed !== 'object') return [];
  return Object.entries(answer).flatMap(([name, value]) => {
    const path = at ? `${at}.${name}` : name;
    return name in parsed ? undocumentedFields(value, (parsed as Record<string, unknown>)[name], path) : [path];
  });
}

/** Routes without a documented response: health, the documentation itself and MCP (JSON-RPC). */
const UNDOCUMENTED = /^\/(healthz|readyz|openapi\.json|docs(\/.*)?|mcp)$/;

describe('HTTP API (running server, real Temporal and PostgreSQL)', () => {
  const served = useTestApiServer((stack) => {
    const config = testConfig(stack.db.url, {
      errorLearning: {
        ...testConfig(stack.db.url).errorLearning,
        remediations: { 'wait-a-bit': { kind: 'wait', delayMs: 1 } },
      },
    });
    // This file sends a bad key to every route from one address: more than the default budget
    // of failed keys per address (test/api-limits.test.ts holds that budget).
    return { ...config, api: { ...config.api, authFailuresPerMinute: 1000 } };
  });
  const { stack } = served;
  const key: Record<'reader' | 'writer' | 'admin' | 'operator' | 'other', string> = {
    reader: '',
    writer: '',
    admin: '',
    operator: '',
    other: '',
  };

  const documented = documentedRoutes();
  /** Documented routes whose 200 answer was checked; the last test asserts every one was. */
  const checked = new Set<string>();

  /**
   * Holds a 200 JSON answer against its route's documented response: the zod schema accepts it
   * (else the failure names each issue's path) and it has no field the schema does not list.
   */
  function assertDocumented(method: string, path: string, body: unknown) {
    const pathname = path.split('?')[0]!;
    const route = documented.find((r) => r.method === method && r.pattern.test(pathname));
    if (!route) {
      assert.match(pathname, UNDOCUMENTED, `${method} ${path}: a 200 from a route with no documented response`);
      return;
    }
    const parsed = route.schema.safeParse(body);
    if (!parsed.success)
      assert.fail(
        `${method} ${route.url}: the answer does not match its documented response: ` +
          parsed.error.issues.map((i) => `${i.path.join('.') || '(the body)'}: ${i.message}`).join('; '),
      );
    assert.deepEqual(
      undocumentedFields(body, parsed.data),
      [],
      `${method} ${route.url}: fields its documented response does not list`,
    );
    checked.add(`${method} ${route.url}`);
  }

  async function call(
    method: string,
    path: string,
    opts: { key?: string; body?: unknown; raw?: string; base?: string; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${opts.base ?? served.server.url}${path}`, {
      method,
      headers: {
        ...opts.headers,
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
        ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
    const body = json ? JSON.parse(text) : { text };
    if (response.status === 200 && json) assertDocumented(method, path, body);
    return { status: response.status, body, headers: response.headers } as Answer & { headers: Headers };
  }
  /** A 200 (whose body `call` held against the route's documented response). */
  async function ok(method: string, path: string, opts: { key?: string; body?: unknown }) {
    const answer = await call(method, path, opts);
    assert.equal(answer.status, 200, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, any>;
  }
  function assertField(answer: Answer, status: number, field: string) {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.field, field, JSON.stringify(answer.body));
    assert.ok(answer.body.reason, 'a reason');
  }

  before(async () => {
    const keys = new ApiKeyStore(stack.store.pool);
    for (const role of ['reader', 'writer', 'admin'] as const)
      key[role] = (await keys.create({ tenantId: 'acme', role, name: `${role} key` })).key;
    key.other = (await keys.create({ tenantId: 'globex', role: 'admin' })).key;
    key.operator = (await keys.create({ operator: true, name: 'operator key' })).key;
  });

  it('serves health, readiness and an OpenAPI 3.1 document that validates, with a docs page', async () => {
    assert.deepEqual((await call('GET', '/healthz')).body, { status: 'ok' });
    assert.equal((await call('GET', '/readyz')).status, 200);
    const doc = (await call('GET', '/openapi.json')).body as any;
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/memory/context/store',
      '/memory/session/resume/{session_id}',
      '/errors',
      '/knowledge/lookup',
      '/ingest/alertmanager',
    ])
      assert.ok(doc.paths[path], `documents ${path}`);
    const alertBody = doc.paths['/ingest/alertmanager'].post.requestBody.content['application/json'].schema;
    assert.ok(alertBody.properties.groupLabels, 'Alertmanager’s own field names, as it sends them');
    const store = doc.paths['/memory/context/store'].post.requestBody.content['application/json'].schema;
    assert.ok(store.properties.memory_type.enum.includes('knowledge'), 'the contract’s vocabulary');
    assert.ok(!(store.required ?? []).includes('tenant_id'), 'the tenant is the key’s: a body need not name it');
    await validate(structuredClone(doc));
    const docs = await fetch(`${served.server.url}/docs`);
    assert.equal(docs.status, 200);
  });

  it('refuses every route without a key, or with an unknown or revoked one (401)', async () => {
    const routes: [string, string][] = [
      ['POST', '/memory/context/store'],
      ['POST', '/memory/context/retrieve'],
      ['POST', '/memory/context/search'],
      ['GET', '/memory/context/stats'],
      ['POST', '/memory/session/start'],
      ['POST', '/memory/session/resume/s1'],
      ['POST', '/memory/session/message'],
      ['POST', '/memory/session/handoff'],
      ['POST', '/memory/session/end'],
      ['GET', '/memory/session/context/s1'],
      ['POST', '/memory/session/task/add'],
      ['POST', '/memory/session/task/complete'],
      ['POST', '/memory/session/tool'],
      ['GET', '/memory/session/brief'],
      ['POST', '/errors'],
      ['POST', '/ingest/alertmanager'],
      ['POST', '/knowledge/lookup'],
      ['POST', '/knowledge/solutions'],
      ['POST', '/admin/monitor/run'],
      ['GET', '/admin/metrics'],
      ['GET', '/ops/endpoints'],
      ['POST', '/v1/traces'],
      ['POST', '/v1/logs'],
      ['POST', '/mcp'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'POST' ? {} : undefined;
      const none = await call(method, path, { body });
      assert.equal(none.status, 401, `${method} ${path}`);
      assert.equal(none.body.error, 'Unauthorized');
      assert.equal((await call(method, path, { body, key: 'bo_not-a-key' })).status, 401, `${method} ${path}`);
    }
    const keys = new ApiKeyStore(stack.store.pool);
    const { key: doomed, record } = await keys.create({ tenantId: 'acme', role: 'reader' });
    await keys.revoke(record.id);
    assert.equal((await call('GET', '/memory/context/stats', { key: doomed })).status, 401, 'a revoked key');
  });

  it('stores, retrieves, searches and counts memory within the key’s tenant', async () => {
    const entry = {
      key: 'runbook/db',
      value: { steps: 3 },
      memory_type: 'knowledge',
      scope: 'tenant',
      title: 'Failover',
      content: 'how we fail over the zebra database',
    };
    const stored = await ok('POST', '/memory/context/store', { key: key.writer, body: entry });
    assert.equal(stored.sync_version, 1);
    const read = await ok('POST', '/memory/context/retrieve', {
      key: key.reader,
      body: { key: 'runbook/db', scope: 'tenant' },
    });
    assert.deepEqual(read.value, { steps: 3 });
    assert.equal(read.tenant_id, 'acme', 'the tenant is the key’s');
    const found = await ok('POST', '/memory/context/search', {
      key: key.reader,
      body: { query: 'zebra database failover', sources: ['entries'] },
    });
    assert.equal(found.results[0].key, 'runbook/db');
    const stats = await ok('GET', '/memory/context/stats', { key: key.reader });
    assert.equal(stats.stats.entries, 1);

    // Another tenant's key sees none of it.
    assert.equal(
      (await call('POST', '/memory/context/retrieve', { key: key.other, body: { key: 'runbook/db', scope: 'tenant' } }))
        .status,
      404,
    );
    const theirs = await ok('POST', '/memory/context/search', {
      key: key.other,
      body: { query: 'zebra database' },
    });
    assert.equal(theirs.result_count, 0);
    assert.equal((await ok('GET', '/memory/context/stats', { key: key.other })).stats.entries, 0);

    // 409: a stale sync version.
    const stale = await call('POST', '/memory/context/store', {
      key: key.writer,
      body: { ...entry, expected_version: 7 },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error, 'StaleWriteError');
    assert.equal(
      (await call('POST', '/memory/context/store', { key: key.writer, body: { ...entry, expected_version: 1 } }))
        .status,
      200,
    );
  });

  it('names the bad field (400), refuses the wrong role (403), another tenant, and a global write by a tenant’s key', async () => {
    const base = { key: 'k', memory_type: 'knowledge', scope: 'tenant' };
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, memory_type: 'gossip' } }),
      400,
      'memory_type',
    );
    const otherTenant = await call('POST', '/memory/context/store', {
      key: key.writer,
      body: { ...base, tenant_id: 'globex' },
    });
    assert.equal(otherTenant.status, 403, 'another tenant in the body');
    assert.match(String(otherTenant.body.message), /tenant_id: this key acts for tenant acme only/);
    assert.equal(
      (await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, tenant_id: 'acme' } })).status,
      200,
      'the key’s own tenant, named as the contract’s requests do',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, memoryType: 'knowledge' } }),
      400,
      'memoryType',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, scope: 'user' } }),
      400,
      'user_id',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, content: 'a\u0000b' } }),
      400,
      'content',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, title: 'a\ud800b' } }),
      400,
      'title',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, key: 42 } }),
      400,
      'key',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = [deep];
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, value: deep } }),
      400,
      'value',
    );
    assertField(
      await call('POST', '/memory/context/store', { key: key.writer, body: { ...base, title: 'x'.repeat(100_000) } }),
      400,
      'title',
    );
    assertField(
      await call('POST', '/memory/context/retrieve', { key: key.reader, body: { scope: 'tenant' } }),
      400,
      'key',
    );
    assertField(await call('POST', '/memory/context/search', { key: key.reader, body: { query: '' } }), 400, 'query');
    assertField(await call('GET', '/memory/context/stats?all=maybe', { key: key.reader }), 400, 'all');
    assertField(await call('POST', '/memory/context/store', { key: key.writer, raw: '{"key":' }), 400, '');

    assert.equal((await call('POST', '/memory/context/store', { key: key.reader, body: base })).status, 403);
    const global = { key: 'kb/shared', memory_type: 'knowledge', scope: 'global', content: 'shared runbook' };
    const refused = await call('POST', '/memory/context/store', { key: key.writer, body: global });
    assert.equal(refused.status, 403);
    assert.match(String(refused.body.message), /operator/);
    assert.equal(
      (await call('POST', '/memory/context/store', { key: key.admin, body: global })).status,
      403,
      'a tenant’s admin does not write shared knowledge',
    );
    assert.equal((await call('GET', '/memory/context/stats?all=true', { key: key.writer })).status, 403);
    assert.equal((await call('GET', '/memory/context/stats?all=true', { key: key.admin })).status, 403);
    assert.equal((await ok('GET', '/memory/context/stats?all=true', { key: key.operator })).success, true);
    await ok('POST', '/memory/context/store', { key: key.operator, body: global });
    const shared = await ok('POST', '/memory/context/retrieve', {
      key: key.other,
      body: { key: 'kb/shared', scope: 'global' },
    });
    assert.equal(shared.tenant_id, null, 'a global entry is every tenant’s to read');
    const unscoped = await ok('POST', '/memory/context/store', {
      key: key.writer,
      body: { key: 'note/unscoped', memory_type: 'knowledge', value: 1 },
    });
    assert.equal(unscoped.scope, 'tenant', "an entry without a scope is the key's tenant's");
    const mine = await ok('POST', '/memory/context/retrieve', {
      key: key.writer,
      body: { key: 'note/unscoped' },
    });
    assert.equal(mine.scope, 'tenant');
  });

  it('answers 413 above the input limits, and 429 above a key’s rate', async () => {
    const big = await call('POST', '/memory/context/store', {
      key: key.writer,
      raw: JSON.stringify({ key: 'big', memory_type: 'knowledge', content: 'x'.repeat(3_000_000) }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'PayloadTooLarge');

    const config = testConfig(stack.db.url);
    const limited = await serveApi(
      {
        config: { ...config, api: { ...config.api, rateLimitPerMinute: 3 } },
        client: stack.client(config),
        store: stack.store,
        logger,
      },
      0,
    );
    try {
      // Fresh keys: the count is shared by every server over the database, this file's main one included.
      const keys = new ApiKeyStore(stack.store.pool);
      const [fresh, another] = await Promise.all([
        keys.create({ tenantId: 'acme', role: 'reader' }),
        keys.create({ tenantId: 'acme', role: 'reader' }),
      ]);
      await awayFromMinuteEdge();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await call('GET', '/memory/context/stats', { key: fresh.key, base: limited.url })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const other = await call('GET', '/memory/context/stats', { key: another.key, base: limited.url });
      assert.equal(other.status, 200, 'the limit is per key');
    } finally {
      await limited.close();
    }
  });

  it('answers CORS only for configured origins: none by default, exactly the listed ones otherwise', async () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/memory/context/store`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const closed = await preflight(served.server.url, 'https://evil.example');
    assert.equal(closed.headers.get('access-control-allow-origin'), null, 'no origins configured: no CORS');
    assert.equal(
      (await fetch(`${served.server.url}/healthz`, { headers: { origin: 'https://evil.example' } })).headers.get(
        'access-control-allow-origin',
      ),
      null,
    );

    const config = testConfig(stack.db.url);
    const open = await serveApi(
      {
        config: { ...config, api: { ...config.api, corsOrigins: ['https://app.example'] } },
        client: stack.client(config),
        store: stack.store,
        logger,
      },
      0,
    );
    try {
      const allowed = await preflight(open.url, 'https://app.example');
      assert.ok(allowed.status < 300, `preflight status ${allowed.status}`);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
      assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
      const simple = await call('GET', '/memory/context/stats', {
        key: key.reader,
        base: open.url,
        headers: { origin: 'https://app.example' },
      });
      assert.equal(simple.status, 200);
      assert.equal(simple.headers.get('access-control-allow-origin'), 'https://app.example');
      for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example']) {
        const refused = await preflight(open.url, origin);
        assert.equal(refused.headers.get('access-control-allow-origin'), null, origin);
      }
    } finally {
      await open.close();
    }
  });

  it('runs a session: start, message, tasks, context, brief, handoff, resume, end', async () => {
    const started = await ok('POST', '/memory/session/start', {
      key: key.writer,
      body: { session_id: 'web-1', user_id: 'u1', agent_id: 'general_assistant' },
    });
    assert.equal(started.tenant_id, 'acme');
    assert.equal(started.status, 'active');
    const message = await ok('POST', '/memory/session/message', {
      key: key.writer,
      body: { session_id: 'web-1', role: 'user', content: 'I need help with my project' },
    });
    assert.equal(message.status, 'stored');
    assert.equal(message.seq, 1);
    const task = await ok('POST', '/memory/session/task/add', {
      key: key.writer,
      body: { session_id: 'web-1', task_id: 'review', title: 'Review auth module' },
    });
    assert.equal(task.task.status, 'open');
    const toolCall = {
      session_id: 'web-1',
      agent_id: 'claude-code',
      tool: 'Bash',
      call_id: 'toolu_1',
      input: { command: 'curl -H "Authorization: Bearer abcdefgh12345678" https://example.com' },
      output: { stdout: 'ok' },
      duration_ms: 12,
    };
    const recorded = await ok('POST', '/memory/session/tool', { key: key.writer, body: toolCall });
    assert.equal(recorded.call_id, 'toolu_1');
    await ok('POST', '/memory/session/tool', { key: key.writer, body: toolCall });
    const calls = await stack.store.workHistory.list({ tenantId: 'acme', agentId: 'claude-code' });
    assert.equal(calls.length, 1, 'a resent call_id adds nothing');
    assert.equal(calls[0]!.workflowId, 'session/acme/web-1');
    assert.doesNotMatch(JSON.stringify(calls[0]!.input), /abcdefgh12345678/, 'redacted');
    assert.equal((await call('POST', '/memory/session/tool', { key: key.reader, body: toolCall })).status, 403);
    assertField(
      await call('POST', '/memory/session/tool', {
        key: key.writer,
        body: { ...toolCall, output: { stdout: 'x'.repeat(20_000) } },
      }),
      400,
      'output',
    );
    const context = await ok('GET', '/memory/session/context/web-1', { key: key.reader });
    assert.equal(context.context.conversation.message_count, 1);
    const brief = await ok('GET', '/memory/session/brief', { key: key.reader });
    assert.deepEqual(
      brief.brief.open_tasks.map((t: { task_id: string }) => t.task_id),
      ['review'],
    );
    const markdown = await call('GET', '/memory/session/brief?format=markdown', { key: key.reader });
    assert.match(String(markdown.body.text), /Review auth module/);
    const handoff = await ok('POST', '/memory/session/handoff', {
      key: key.writer,
      body: {
        session_id: 'web-1',
        to_agent: 'code_specialist',
        handoff_reason: 'code review',
        critical_info: { language: 'python' },
      },
    });
    assert.deepEqual(handoff.context_snapshot.critical_facts, { language: 'python' });
    const done = await ok('POST', '/memory/session/task/complete', {
      key: key.writer,
      body: { session_id: 'web-1', task_id: 'review' },
    });
    assert.equal(done.task.status, 'done');
    const resumed = await ok('POST', '/memory/session/resume/web-1', { key: key.writer });
    assert.equal(resumed.message_count, 1);
    assert.deepEqual(resumed.active_agents.sort(), ['code_specialist', 'general_assistant']);

    // Bad input names the field.
    assertField(
      await call('POST', '/memory/session/start', { key: key.writer, body: { session_id: 'bad id!' } }),
      400,
      'session_id',
    );
    assertField(
      await call('POST', '/memory/session/message', { key: key.writer, body: { session_id: 'web-1', role: 'user' } }),
      400,
      'content',
    );
    assertField(
      await call('POST', '/memory/session/message', {
        key: key.writer,
        body: { session_id: 'web-1', role: 'boss', content: 'x' },
      }),
      400,
      'role',
    );
    assertField(
      await call('POST', '/memory/session/handoff', {
        key: key.writer,
        body: { session_id: 'web-1', handoff_reason: 'x' },
      }),
      400,
      'to_agent',
    );
    assertField(
      await call('POST', '/memory/session/task/add', { key: key.writer, body: { session_id: 'web-1' } }),
      400,
      'title',
    );
    assertField(
      await call('POST', '/memory/session/task/complete', { key: key.writer, body: { session_id: 'web-1' } }),
      400,
      'task_id',
    );
    assertField(
      await call('POST', '/memory/session/end', { key: key.writer, body: { summary: 'x' } }),
      400,
      'session_id',
    );
    assertField(await call('GET', '/memory/session/brief?format=pdf', { key: key.reader }), 400, 'format');
    assertField(await call('GET', '/memory/session/context/bad%20id', { key: key.reader }), 400, 'session_id');
    assert.equal(
      (
        await call('POST', '/memory/session/task/complete', {
          key: key.writer,
          body: { session_id: 'web-1', task_id: 'nope' },
        })
      ).status,
      404,
    );

    // A reader cannot write to a session.
    for (const [path, body] of [
      ['/memory/session/start', { session_id: 'web-2' }],
      ['/memory/session/resume/web-1', undefined],
      ['/memory/session/message', { session_id: 'web-1', role: 'user', content: 'x' }],
      ['/memory/session/handoff', { session_id: 'web-1', to_agent: 'a', handoff_reason: 'r' }],
      ['/memory/session/task/add', { session_id: 'web-1', title: 't' }],
      ['/memory/session/task/complete', { session_id: 'web-1', task_id: 'review' }],
      ['/memory/session/end', { session_id: 'web-1' }],
    ] as const)
      assert.equal((await call('POST', path, { key: key.reader, body })).status, 403, path);

    // Another tenant's key does not find acme's session.
    for (const [method, path, body] of [
      ['GET', '/memory/session/context/web-1', undefined],
      ['POST', '/memory/session/resume/web-1', undefined],
      ['POST', '/memory/session/message', { session_id: 'web-1', role: 'user', content: 'hi' }],
      ['POST', '/memory/session/handoff', { session_id: 'web-1', to_agent: 'a', handoff_reason: 'r' }],
      ['POST', '/memory/session/task/add', { session_id: 'web-1', title: 't' }],
      ['POST', '/memory/session/task/complete', { session_id: 'web-1', task_id: 'review' }],
      ['POST', '/memory/session/end', { session_id: 'web-1' }],
    ] as const)
      assert.equal((await call(method, path, { key: key.other, body })).status, 404, `${method} ${path}`);
    const globexBrief = await ok('GET', '/memory/session/brief', { key: key.other });
    assert.deepEqual(globexBrief.brief.open_tasks, []);

    const ended = await ok('POST', '/memory/session/end', {
      key: key.writer,
      body: { session_id: 'web-1', summary: 'done' },
    });
    assert.equal(ended.snapshot.message_count, 1);
    const late = await call('POST', '/memory/session/message', {
      key: key.writer,
      body: { session_id: 'web-1', role: 'user', content: 'late' },
    });
    assert.equal(late.status, 409, `a message to an ended session: ${JSON.stringify(late.body)}`);
    const unknown = await call('POST', '/memory/session/message', {
      key: key.writer,
      body: { session_id: 'never-started', role: 'user', content: 'hello?' },
    });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
  });

  it('stores concurrent messages of a session gap-free, answers a resend with its seq, and keeps tenants apart', async () => {
    await ok('POST', '/memory/session/start', { key: key.writer, body: { session_id: 'burst' } });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ok('POST', '/memory/session/message', {
          key: key.writer,
          body: { session_id: 'burst', role: 'user', content: `m${i}`, message_id: `burst-${i}` },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.seq).sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.ok(answers.every((a) => a.status === 'stored'));
    const again = await ok('POST', '/memory/session/message', {
      key: key.writer,
      body: { session_id: 'burst', role: 'user', content: 'm7 again', message_id: 'burst-7' },
    });
    assert.deepEqual([again.seq, again.status], [answers[7]!.seq, 'duplicate']);
    const rows = await stack.store.sessions.listMessages({ tenantId: 'acme', sessionId: 'burst' });
    assert.equal(rows.length, 200);
    assert.deepEqual(
      rows.map((r) => r.seq),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    for (const a of answers) assert.equal(rows[a.seq - 1]!.messageId, a.message_id);
    // The same session id in another tenant is another tenant's business: not found, nothing stored.
    const foreign = await call('POST', '/memory/session/message', {
      key: key.other,
      body: { session_id: 'burst', role: 'user', content: 'intruder' },
    });
    assert.equal(foreign.status, 404);
    assert.equal((await stack.store.sessions.listMessages({ tenantId: 'acme', sessionId: 'burst' })).length, 200);
    const context = await ok('GET', '/memory/session/context/burst', { key: key.reader });
    assert.equal(context.context.conversation.message_count, 200);
    const ended = await ok('POST', '/memory/session/end', { key: key.writer, body: { session_id: 'burst' } });
    assert.equal(ended.snapshot.message_count, 200);
    assert.equal(ended.snapshot.recent_messages.at(-1).content, rows.at(-1)!.content);
  });

  it('reports errors, teaches (operator) and looks up solutions, and runs operator actions for the operator only', async () => {
    const report = { error_type: 'RedisError', message: 'connect ECONNREFUSED 10.0.0.7:6379', source: 'billing-api' };
    const reported = await ok('POST', '/errors', { key: key.writer, body: report });
    assert.match(reported.signature, /ECONNREFUSED/);
    assertField(await call('POST', '/errors', { key: key.writer, body: { source: 'x' } }), 400, 'message');
    assert.equal((await call('POST', '/errors', { key: key.reader, body: report })).status, 403);
    assert.equal(
      (await call('POST', '/errors', { key: key.writer, body: { ...report, tenant_id: 'globex' } })).status,
      403,
    );
    const events = await stack.store.errorEvents.list({ tenantId: 'acme' });
    assert.ok(
      events.some((e) => e.source === 'billing-api'),
      'recorded for the key’s tenant',
    );
    // Alertmanager's webhook, as a real one sent it (test/alertmanager-intake.test.ts has the rest).
    const alert = JSON.parse(fs.readFileSync(join(__dirname, 'fixtures/alertmanager/firing.json'), 'utf8'));
    const taken = await ok('POST', '/ingest/alertmanager', { key: key.writer, body: alert });
    assert.equal(taken.alerts[0].outcome, 'recorded');
    assertField(
      await call('POST', '/ingest/alertmanager', { key: key.writer, body: { ...alert, alerts: [{}] } }),
      400,
      'alerts.0.status',
    );

    const solution = {
      problem_signature: reported.signature,
      description: 'wait for redis',
      action: 'wait-a-bit',
      example_message: report.message,
    };
    assert.equal((await call('POST', '/knowledge/solutions', { key: key.writer, body: solution })).status, 403);
    assertField(
      await call('POST', '/knowledge/solutions', { key: key.operator, body: { ...solution, action: '' } }),
      400,
      'action',
    );
    assert.equal((await call('POST', '/knowledge/solutions', { key: key.admin, body: solution })).status, 403);
    await ok('POST', '/knowledge/solutions', { key: key.operator, body: solution });
    const lookup = await ok('POST', '/knowledge/lookup', {
      key: key.reader,
      body: { error_type: 'RedisError', message: 'connect ECONNREFUSED 10.0.0.9:6379' },
    });
    assert.equal(lookup.solutions[0].action, 'wait-a-bit');
    assertField(await call('POST', '/knowledge/lookup', { key: key.reader, body: { limit: 5 } }), 400, 'message');

    assert.equal((await call('POST', '/admin/monitor/run', { key: key.writer })).status, 403);
    assert.equal((await call('POST', '/admin/monitor/run', { key: key.admin })).status, 403);
    const monitored = await ok('POST', '/admin/monitor/run', { key: key.operator });
    assert.ok(monitored.result, 'the monitor run’s result');
    const endpoints = await ok('GET', '/ops/endpoints?since=1h&limit=5', { key: key.reader });
    assert.ok(Array.isArray(endpoints.routes), 'routes of the tenant (test/otlp-intake.test.ts fills them)');
    assertField(await call('GET', '/ops/endpoints?since=forever', { key: key.reader }), 400, 'since');
    assert.equal((await call('GET', '/admin/metrics', { key: key.writer })).status, 403);
    const metrics = await ok('GET', '/admin/metrics', {
      key: key.admin,
    });
    assert.ok(
      (metrics.keys as { tenant_id: string }[]).every((k) => k.tenant_id === 'acme'),
      'only the tenant’s keys',
    );
  });

  it('logs memory operations in batches with latency and cache hits, and marks keys used', async () => {
    await ok('POST', '/memory/context/store', {
      key: key.writer,
      body: { key: 'cached', memory_type: 'knowledge', scope: 'tenant', value: 1 },
    });
    // The store's own invalidation notice comes back asynchronously; let it pass before the first read fills the cache.
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 2; i++)
      await ok('POST', '/memory/context/retrieve', {
        key: key.reader,
        body: { key: 'cached', scope: 'tenant' },
      });
    await served.server.api.drain();
    const keys = new ApiKeyStore(stack.store.pool);
    const reads = (await keys.listAccesses({ tenantId: 'acme', limit: 1000 })).filter(
      (r) => r.operation === 'memory.retrieve' && r.status === 200,
    );
    assert.deepEqual(
      reads.slice(0, 2).map((r) => r.cacheHit),
      [true, false],
      'the second read came from the cache',
    );
    assert.ok(reads.every((r) => r.latencyMs > 0));
    assert.equal(
      (await keys.listAccesses({ tenantId: 'globex', limit: 1000 })).some((r) => r.tenantId !== 'globex'),
      false,
    );
    const listed = await eventually(async () =>
      (await keys.list({ tenantId: 'acme' })).find((k) => k.role === 'reader' && k.lastUsedAt),
    );
    assert.ok(listed.lastUsedAt);
  });

  it('lists a tenant’s entries a page at a time, and deletes one entry for good (writer; global: operator)', async () => {
    const store = (n: number, extra: Record<string, unknown> = {}) =>
      ok('POST', '/memory/context/store', {
        key: key.writer,
        body: { key: `pages/${n}`, memory_type: 'task', scope: 'tenant', tags: n % 2 ? ['odd'] : [], ...extra },
      });
    for (let n = 1; n <= 5; n++) await store(n);
    await ok('POST', '/memory/context/store', {
      key: key.other,
      body: { key: 'pages/9', memory_type: 'task', scope: 'tenant' },
    });
    const seen: string[] = [];
    let cursor: string | null | undefined;
    for (let page = 0; page < 10; page++) {
      const body = await ok('POST', '/memory/context/list', {
        key: key.reader,
        body: { key_prefix: 'pages/', limit: 2, ...(cursor ? { cursor } : {}) },
      });
      assert.ok(body.entries.length <= 2);
      seen.push(...body.entries.map((e: { key: string }) => e.key));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, ['pages/5', 'pages/4', 'pages/3', 'pages/2', 'pages/1'], 'newest first, each once');
    const odd = await ok('POST', '/memory/context/list', {
      key: key.reader,
      body: { key_prefix: 'pages/', tags: ['odd'], scope: 'tenant', layer: 'short_term', memory_type: 'task' },
    });
    assert.deepEqual(
      odd.entries.map((e: { key: string }) => e.key),
      ['pages/5', 'pages/3', 'pages/1'],
    );
    assert.equal(odd.next_cursor, null);
    assertField(
      await call('POST', '/memory/context/list', { key: key.reader, body: { cursor: 'bm90IG9uZQ' } }),
      400,
      'cursor',
    );
    assertField(await call('POST', '/memory/context/list', { key: key.reader, body: { limit: 201 } }), 400, 'limit');

    // Delete: the entry, its versions and embeddings go; a reader may not; another tenant's stays.
    await store(3, { value: 'second version' });
    const id = (
      await ok('POST', '/memory/context/retrieve', { key: key.reader, body: { key: 'pages/3', scope: 'tenant' } })
    ).id;
    await stack.store.pool.query(
      `insert into entry_embeddings (model, entry_id, tenant_id, source_version, dimensions, vector)
       values ('test', $1, 'acme', 2, 1, '\\x0000803f')`,
      [id],
    );
    assert.equal(
      (await call('POST', '/memory/context/delete', { key: key.reader, body: { key: 'pages/3', scope: 'tenant' } }))
        .status,
      403,
    );
    const deleted = await ok('POST', '/memory/context/delete', {
      key: key.writer,
      body: { key: 'pages/3', scope: 'tenant' },
    });
    assert.deepEqual(deleted, { success: true, deleted: true });
    assert.equal(
      (await call('POST', '/memory/context/retrieve', { key: key.reader, body: { key: 'pages/3', scope: 'tenant' } }))
        .status,
      404,
    );
    const left = await stack.store.pool.query(
      `select (select count(*) from memory_entry_versions where entry_id = $1)::int as versions,
         (select count(*) from entry_embeddings where entry_id = $1)::int as embeddings,
         (select count(*) from memory_archive where id = $1)::int as archived`,
      [id],
    );
    assert.deepEqual(left.rows[0], { versions: 0, embeddings: 0, archived: 0 });
    const again = await ok('POST', '/memory/context/delete', {
      key: key.writer,
      body: { key: 'pages/3', scope: 'tenant' },
    });
    assert.equal(again.deleted, false, 'deleting nothing is no error');
    assert.equal(
      (await ok('POST', '/memory/context/delete', { key: key.writer, body: { key: 'pages/9', scope: 'tenant' } }))
        .deleted,
      false,
      'another tenant’s entry is out of reach',
    );
    assert.equal(
      (await ok('POST', '/memory/context/retrieve', { key: key.other, body: { key: 'pages/9', scope: 'tenant' } })).key,
      'pages/9',
    );
    assertField(await call('POST', '/memory/context/delete', { key: key.writer, body: { scope: 'user' } }), 400, 'key');
    await ok('POST', '/memory/context/store', {
      key: key.operator,
      body: { key: 'kb/forget-me', memory_type: 'knowledge', scope: 'global' },
    });
    const globalDelete = { key: 'kb/forget-me', scope: 'global' };
    assert.equal((await call('POST', '/memory/context/delete', { key: key.admin, body: globalDelete })).status, 403);
    assert.equal((await ok('POST', '/memory/context/delete', { key: key.operator, body: globalDelete })).deleted, true);
  });

  it('erases a user of the key’s tenant (admin only): 202 with an id, then the receipt', async () => {
    await ok('POST', '/memory/context/store', {
      key: key.writer,
      body: { key: 'pref/theme', scope: 'user', user_id: 'leaver', value: 'dark' },
    });
    assert.equal((await call('POST', '/memory/erase', { key: key.writer, body: { user_id: 'leaver' } })).status, 403);
    assertField(await call('POST', '/memory/erase', { key: key.admin, body: {} }), 400, 'user_id');
    const started = await call('POST', '/memory/erase', { key: key.admin, body: { user_id: 'leaver' } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.status, 'running');
    const id = String(started.body.erasure_id);
    const receipt = await eventually(async () => {
      const body = await ok('GET', `/memory/erase/${id}`, { key: key.admin });
      return body.status === 'finished' ? body : undefined;
    }, 60_000);
    assert.equal(receipt.counts.memory_entries, 1);
    assert.equal(receipt.user_id, 'leaver');
    assert.equal(receipt.requested_by.name, 'admin key');
    assert.equal((await call('GET', `/memory/erase/${id}`, { key: key.other })).status, 404, 'another tenant’s');
    assert.equal((await call('GET', '/memory/erase/not-an-id', { key: key.admin })).status, 400);
  });

  it('held a 200 of every documented route against its response schema', () => {
    assert.ok(documented.length >= 18, `${documented.length} documented routes`);
    assert.deepEqual(
      documented.map((r) => `${r.method} ${r.url}`).filter((r) => !checked.has(r)),
      [],
      'documented routes no test received a 200 from',
    );
  });
});
