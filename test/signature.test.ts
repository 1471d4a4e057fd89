import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { errorSignature, normaliseMessage, topFrames } from '../src/domain/error-signature';

function refusedError(port: number): Promise<Error> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', resolve);
    socket.once('connect', () => {
      socket.destroy();
      resolve(new Error('unexpectedly connected'));
    });
  });
}

async function pgError(sql: string): Promise<Error & { code?: string }> {
  const client = new Client({ connectionString: process.env.BRAINOPS_TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
    throw new Error(`no error from ${sql}`);
  } catch (error) {
    return error as Error;
  } finally {
    await client.end();
  }
}

describe('error signatures', () => {
  it('groups real Node network errors across ports and hosts', async () => {
    const a = await refusedError(1);
    const b = await refusedError(2);
    assert.match(a.message, /ECONNREFUSED 127\.0\.0\.1:1/);
    assert.equal(errorSignature(a.name, a.message), 'Error: connect ECONNREFUSED <ip>:<port>');
    assert.equal(errorSignature(a.name, a.message), errorSignature(b.name, b.message));
  });

  it('groups real PostgreSQL errors by what went wrong, not by the values', async () => {
    const missingA = await pgError('select * from missing_table_a');
    const missingB = await pgError('select * from missing_table_b');
    assert.equal(errorSignature('DatabaseError', missingA.message), 'DatabaseError: relation <str> does not exist');
    assert.equal(errorSignature('DatabaseError', missingA.message), errorSignature('DatabaseError', missingB.message));
    const division = await pgError('select 1/0');
    assert.equal(errorSignature('DatabaseError', division.message), 'DatabaseError: division by zero');
    const syntax = await pgError('selec 42');
    assert.notEqual(errorSignature('DatabaseError', syntax.message), errorSignature('DatabaseError', division.message));
  });

  it('normalises HTTP failures, Temporal failures and ids', () => {
    const corpus: [string, string][] = [
      ['HTTP 503 from http://127.0.0.1:8080/health, expected 200', 'HTTP <n> from http://<host>/<path>, expected <n>'],
      [
        'HTTP 503 from https://api.example.com/v1/orders/42, expected 200',
        'HTTP <n> from https://<host>/<path>, expected <n>',
      ],
      [
        'tcp connect to cache.internal:6379 timed out after 5000 ms',
        'tcp connect to <host>:<port> timed out after <n> ms',
      ],
      ['Activity task timed out', 'Activity task timed out'],
      [
        "Workflow execution already started: workflowId='session/acme/7f3c' runId=9b2d4f1e-3c4a-4e5b-8a9c-0d1e2f3a4b5c",
        'Workflow execution already started: workflowId=<str> runId=<uuid>',
      ],
      ['deadline exceeded at 2026-11-21T19:23:04.646Z after 30s', 'deadline exceeded at <time> after 30s'],
      [
        "ENOENT: no such file or directory, open '/var/lib/app/releases/abc123/config.json'",
        'ENOENT: no such file or directory, open <str>',
      ],
      ['cannot open /var/log/app/2026/out.log: permission denied', 'cannot open <path>: permission denied'],
      ['object 0x7ffde4a2 freed twice; digest 9f86d081884c7d65', 'object <hex> freed twice; digest <hex>'],
    ];
    for (const [message, expected] of corpus) assert.equal(normaliseMessage(message), expected, message);
  });

  it('keeps the top project frames and skips library ones', () => {
    const stack = [
      'Error: boom',
      '    at Parser.parse (/work/app/node_modules/pg-protocol/src/parser.ts:105:30)',
      '    at async checkInventory (/work/app/src/activities/inventory.ts:42:11)',
      '    at async reserve (/work/app/src/activities/orders.ts:17:3)',
      '    at async run (/work/app/src/worker.ts:9:1)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    assert.deepEqual(topFrames(stack), ['checkInventory', 'reserve']);
    assert.equal(errorSignature('Error', 'boom', stack), 'Error: boom @ checkInventory < reserve');
    const moved = stack.replace(/:\d+:\d+/g, ':1:1');
    assert.equal(
      errorSignature('Error', 'boom', moved),
      errorSignature('Error', 'boom', stack),
      'line numbers do not matter',
    );
  });
});
