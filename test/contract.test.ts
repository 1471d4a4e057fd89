/**
 * The HTTP API's contract as others hold it, against a running server (real Temporal, real
 * PostgreSQL):
 * - every request example of the design notes' API section (test/fixtures/contract/seed-003.json),
 *   sent as written; each answer has every field of the notes' response example, with its JSON type;
 * - the Python client under examples/ (standard library only) runs its whole flow;
 * - a client generated from /openapi.json by openapi-typescript type-checks a valid call with
 *   open JSON objects (`metadata`), and refuses a call with a value the API does not take.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { ApiKeyStore } from '../src/memory';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import { logger, testConfig, testWorker, useTestStack } from './helpers';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

interface Step {
  method: 'GET' | 'POST';
  path: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
}
const contract = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/contract/seed-003.json'), 'utf8')) as {
  tenant: string;
  /** Fields that are rightly null or empty in this replay, each with why. */
  none: Record<string, string>;
  steps: Step[];
};

const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * Where `actual` departs from the example `expected`: a missing field, or a value of another JSON
 * type (`null` or an empty list only where the fixture's `none` says why). An example's empty array or object
 * (the notes' `[...]`, `{...}`) stands for any; a non-empty one wants items, each held against the
 * example's first item.
 */
function departures(expected: unknown, actual: unknown, at: string): string[] {
  const none = actual === null || (Array.isArray(actual) && actual.length === 0);
  if (none && at in contract.none) return [];
  if (jsonType(expected) !== jsonType(actual))
    return [`${at}: ${jsonType(actual)}, the notes' is ${jsonType(expected)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0) return [];
    if (actual.length === 0) return [`${at}: empty, the notes' has items`];
    return actual.flatMap((item, i) => departures(expected[0], item, `${at}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    const got = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([name, value]) =>
      name in got
        ? departures(value, got[name], at ? `${at}.${name}` : name)
        : [`${at ? `${at}.` : ''}${name}: missing`],
    );
  }
  return [];
}

describe('the HTTP contract of the design notes, a Python client and a generated client', () => {
  let worker: Worker;
  let running: Promise<void>;
  let server: ServedApi;
  let key = '';
  after(async () => {
    await server?.close();
    worker?.shutdown();
    await running;
  });
  const stack = useTestStack();

  before(async () => {
    const config = testConfig(stack.db.url);
    worker = await testWorker(stack.env, config, stack.store);
    running = worker.run();
    key = (
      await new ApiKeyStore(stack.store.pool).create({ tenantId: contract.tenant, role: 'writer', name: 'contract' })
    ).key;
    server = await serveApi(
      {
        config: { ...config, api: { ...config.api, host: '127.0.0.1' } },
        client: stack.client(config),
        store: stack.store,
        logger,
      },
      0,
    );
  });

  it('answers every request example of the notes with the fields and types of their response examples', async () => {
    for (const step of contract.steps) {
      const response = await fetch(`${server.url}${step.path}`, {
        method: step.method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(step.request ? { 'content-type': 'application/json' } : {}),
        },
        body: step.request ? JSON.stringify(step.request) : undefined,
      });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200, `${step.method} ${step.path}: ${JSON.stringify(body)}`);
      assert.equal(body.success, true, `${step.method} ${step.path}`);
      if (step.response)
        assert.deepEqual(
          departures(step.response, body, ''),
          [],
          `${step.method} ${step.path}: ${JSON.stringify(body)}`,
        );
    }
  });

  it('serves the Python client of examples/ its whole flow, no field renamed', async () => {
    const { stdout } = await run('python3', [path.join(ROOT, 'examples/python/brainops_client.py')], {
      env: { ...process.env, BRAINOPS_API_URL: server.url, BRAINOPS_API_KEY: key, BRAINOPS_TENANT: contract.tenant },
      timeout: 60_000,
    });
    const steps = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { step: string; answer: Record<string, any> });
    assert.deepEqual(
      steps.map((s) => s.step),
      ['store', 'retrieve', 'search', 'start', 'message', 'message', 'resume', 'handoff', 'context', 'end'],
    );
    const answer = (name: string) => steps.find((s) => s.step === name)!.answer;
    assert.deepEqual(answer('retrieve').value, { theme: 'dark', notifications: true });
    assert.ok(answer('search').results.some((r: { key?: string }) => r.key === 'customer_preference_123'));
    assert.equal(answer('handoff').to_agent, 'code_specialist');
    assert.equal(answer('context').context.conversation.message_count, 2);
    assert.match(stdout, /Messages: 2/);
  });

  it('generates a TypeScript client from /openapi.json that type-checks a valid call and refuses a value the API does not take', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-openapi-'));
    try {
      fs.writeFileSync(path.join(dir, 'openapi.json'), await (await fetch(`${server.url}/openapi.json`)).text());
      await run(
        process.execPath,
        [path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'openapi.json', '-o', 'api.d.ts'],
        {
          cwd: dir,
        },
      );
      const call = (body: string) => `import createClient from 'openapi-fetch';
import type { paths } from './api';
const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:8300' });
export const stored = client.POST('/memory/context/store', { body: ${body} });
export const message = client.POST('/memory/session/message', {
  body: { session_id: 's1', role: 'user', content: 'hi', metadata: { source: 'web_ui', depth: 2 } },
});
`;
      const tsc = (file: string, body: string) => {
        fs.writeFileSync(path.join(dir, file), call(body));
        return run(
          process.execPath,
          [
            path.join(ROOT, 'node_modules/typescript/bin/tsc'),
            '--noEmit',
            '--strict',
            '--module',
            'nodenext',
            '--moduleResolution',
            'nodenext',
            '--skipLibCheck',
            '--types',
            'node',
            '--typeRoots',
            path.join(ROOT, 'node_modules/@types'),
            file,
          ],
          { cwd: dir, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } },
        );
      };
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      await tsc('valid.ts', `{ key: 'k', value: { theme: 'dark' }, metadata: { any: ['json', 1] } }`);
      await assert.rejects(
        tsc('invalid.ts', `{ key: 'k', memory_type: 'not_a_memory_type' }`),
        (error: { stdout?: string }) => /not_a_memory_type/.test(error.stdout ?? ''),
        'a memory type the API does not know does not type-check',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
