/**
 * The MCP server driven by the SDK's own `Client`, over stdio (`brainops mcp`, a child process
 * acting with `BRAINOPS_API_KEY`) and over streamable HTTP (`/mcp` of the API server, with the
 * same keys): list the tools and the brief resource, then call each tool.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ApiKeyStore } from '../src/memory';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import { BRIEF_RESOURCE_URI } from '../src/mcp/tools';
import { logger, testConfig, testWorker, useTestStack } from './helpers';

const TOOLS = [
  'error_report',
  'memory_delete',
  'memory_list',
  'memory_retrieve',
  'memory_search',
  'memory_store',
  'session_brief',
  'session_handoff',
  'session_message',
  'session_start',
  'solution_lookup',
  'task_add',
  'task_complete',
];

type ToolAnswer = { isError?: boolean; content: { type: string; text: string }[] };

/** Calls a tool and returns its JSON answer (and whether it is an error). */
async function callTool(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as ToolAnswer;
  const text = result.content[0]?.text ?? '';
  let body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON answer
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { isError: result.isError === true, body };
}

/** Lists the tools and the resource, then calls each tool once for `sessionId`. */
async function exercise(client: Client, sessionId: string): Promise<void> {
  const tools = await client.listTools();
  assert.deepEqual(tools.tools.map((t) => t.name).sort(), TOOLS);
  const store = tools.tools.find((t) => t.name === 'memory_store')!;
  assert.ok(
    (store.inputSchema.properties!.memory_type as { enum: string[] }).enum.includes('knowledge'),
    'JSON Schema from the contract',
  );
  assert.equal(store.inputSchema.properties!.tenant_id, undefined, 'no tenant: it is the key’s');

  const key = `mcp/${sessionId}`;
  const stored = await callTool(client, 'memory_store', {
    key,
    memory_type: 'knowledge',
    scope: 'tenant',
    content: `the ${sessionId} quokka deploys on fridays`,
  });
  assert.equal(stored.isError, false, JSON.stringify(stored.body));
  assert.equal(stored.body.sync_version, 1);
  const got = await callTool(client, 'memory_retrieve', { key, scope: 'tenant' });
  assert.equal(got.body.tenant_id, 'acme');
  const found = await callTool(client, 'memory_search', { query: `${sessionId} quokka`, sources: ['entries'] });
  assert.equal(found.body.results[0].key, key);

  assert.equal((await callTool(client, 'session_start', { session_id: sessionId })).body.status, 'active');
  const message = await callTool(client, 'session_message', {
    session_id: sessionId,
    role: 'user',
    content: 'hello over MCP',
  });
  assert.equal(message.body.status, 'stored');
  const task = await callTool(client, 'task_add', {
    session_id: sessionId,
    task_id: 't1',
    title: 'Write the release notes',
  });
  assert.equal(task.body.task.status, 'open');
  const brief = await callTool(client, 'session_brief', {});
  assert.ok(brief.body.brief.open_tasks.some((t: { task_id: string }) => t.task_id === 't1'));
  const done = await callTool(client, 'task_complete', { session_id: sessionId, task_id: 't1' });
  assert.equal(done.body.task.status, 'done');
  const handoff = await callTool(client, 'session_handoff', {
    session_id: sessionId,
    to_agent: 'reviewer',
    handoff_reason: 'review',
  });
  assert.equal(handoff.body.to_agent, 'reviewer');
  const reported = await callTool(client, 'error_report', {
    message: `${sessionId}: disk full on /var`,
    source: 'mcp',
  });
  assert.match(reported.body.signature, /disk full/);
  const lookup = await callTool(client, 'solution_lookup', { message: 'disk full on /var' });
  assert.equal(lookup.isError, false);
  assert.ok(Array.isArray(lookup.body.solutions));

  const bad = await callTool(client, 'memory_store', { key, memory_type: 'gossip' });
  assert.equal(bad.isError, true, 'a bad input is refused');
  assert.equal(bad.body.status, 400);
  assert.equal(bad.body.field, 'memory_type', 'the JSON error body of the route, naming the field');
  const camel = await callTool(client, 'memory_store', { key, memoryType: 'knowledge' });
  assert.equal(camel.body.field, 'memoryType');
  assert.match(String(camel.body.reason), /the field is memory_type/);
  // A page at a time, then forget: deleted once, and a second delete finds nothing.
  for (const n of [1, 2, 3])
    await callTool(client, 'memory_store', { key: `${key}/page/${n}`, memory_type: 'task', scope: 'tenant' });
  const first = await callTool(client, 'memory_list', { key_prefix: `${key}/page/`, limit: 2 });
  assert.deepEqual(
    first.body.entries.map((e: { key: string }) => e.key),
    [`${key}/page/3`, `${key}/page/2`],
  );
  assert.equal(typeof first.body.next_cursor, 'string');
  const second = await callTool(client, 'memory_list', {
    key_prefix: `${key}/page/`,
    limit: 2,
    cursor: first.body.next_cursor,
  });
  assert.deepEqual(
    second.body.entries.map((e: { key: string }) => e.key),
    [`${key}/page/1`],
  );
  assert.equal(second.body.next_cursor, null, 'the last page');
  assert.equal((await callTool(client, 'memory_list', { cursor: 'nonsense' })).body.field, 'cursor');
  const deleted = await callTool(client, 'memory_delete', { key: `${key}/page/2`, scope: 'tenant' });
  assert.deepEqual(deleted.body, { success: true, deleted: true });
  assert.equal(
    (await callTool(client, 'memory_delete', { key: `${key}/page/2`, scope: 'tenant' })).body.deleted,
    false,
  );
  assert.equal((await callTool(client, 'memory_retrieve', { key: `${key}/page/2`, scope: 'tenant' })).body.status, 404);

  const missing = await callTool(client, 'memory_retrieve', { key: 'no/such', scope: 'tenant' });
  assert.equal(missing.isError, true);
  assert.equal(missing.body.status, 404);

  const resources = await client.listResources();
  assert.deepEqual(
    resources.resources.map((r) => r.uri),
    [BRIEF_RESOURCE_URI],
  );
  const read = await client.readResource({ uri: BRIEF_RESOURCE_URI });
  assert.match((read.contents[0] as { text: string }).text, /# Session brief — tenant acme/);
}

describe('MCP server (SDK Client; real Temporal and PostgreSQL)', () => {
  let worker: Worker;
  let running: Promise<void>;
  let server: ServedApi;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    await server?.close();
    worker?.shutdown();
    await running;
  });
  const stack = useTestStack();
  const keys: Record<string, string> = {};
  let config: ReturnType<typeof testConfig>;

  before(async () => {
    config = testConfig(stack.db.url);
    worker = await testWorker(stack.env, config, stack.store);
    running = worker.run();
    const store = new ApiKeyStore(stack.store.pool);
    keys.writer = (await store.create({ tenantId: 'acme', role: 'writer' })).key;
    keys.reader = (await store.create({ tenantId: 'acme', role: 'reader' })).key;
    server = await serveApi({ config, client: stack.client(config), store: stack.store, logger }, 0);
  });

  async function connect(transport: Transport): Promise<Client> {
    const client = new Client({ name: 'brainops-test', version: '1.0.0' });
    clients.push(client);
    await client.connect(transport);
    return client;
  }

  it('serves every tool and the brief over stdio (`brainops mcp`)', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(__dirname, '..', 'src', 'cli', 'main.ts'), 'mcp'],
      cwd: path.join(__dirname, '..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        DATABASE_URL: stack.db.url,
        BRAINOPS_API_KEY: keys.writer!,
        BRAINOPS_EMBEDDINGS: 'off',
      },
      stderr: 'pipe',
    });
    await exercise(await connect(transport), 'stdio');
  });

  it('serves every tool and the brief over streamable HTTP at /mcp, with the API keys and their roles', async () => {
    const transport = (key: string) =>
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      });
    await exercise(await connect(transport(keys.writer!)), 'http');

    const reader = await connect(transport(keys.reader!));
    const refused = await callTool(reader, 'memory_store', { key: 'r', memory_type: 'knowledge', scope: 'tenant' });
    assert.equal(refused.isError, true);
    assert.equal(refused.body.status, 403);

    const anonymous = new Client({ name: 'anonymous', version: '1.0.0' });
    await assert.rejects(
      anonymous.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`))),
      /401|Unauthorized/,
    );
  });
});
