/**
 * `brainops api-key create|list|revoke` and `brainops serve`, run as the command a person runs
 * (real Temporal and PostgreSQL): a key is printed once, listed without its secret, works against
 * the served API until it is revoked; an operator key (`--operator`) has no tenant and is the
 * operator there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { describe, it } from 'node:test';
import { BIN, useCli } from './cli-helper';
import { useTestStack } from './helpers';

describe('brainops api-key and serve (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  const runner = useCli(stack, { BRAINOPS_EMBEDDINGS: 'off' });
  const cli = (...args: string[]) => runner.stdout(...args);

  it('creates a key shown once, lists it without its secret, serves it, and revokes it', async () => {
    const created = (await cli('api-key', 'create', '--tenant', 'acme', '--role', 'writer', '--name', 'ci')).split(
      '\n',
    );
    const key = created[0]!;
    assert.match(key, /^bo_[A-Za-z0-9_-]{43}$/);
    assert.match(created[1]!, /\(writer of tenant acme\)\. It is shown only now/);
    const listed = JSON.parse(await cli('api-key', 'list', '--tenant', 'acme', '--json')) as Record<string, unknown>[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.role, 'writer');
    assert.ok(!JSON.stringify(listed).includes(key.slice(3)), 'the secret is never listed');
    await assert.rejects(cli('api-key', 'create', '--tenant', 'acme', '--role', 'owner'), /role/);
    const operator = JSON.parse(await cli('api-key', 'create', '--operator', '--name', 'on call', '--json')) as {
      key: string;
      role: string;
      tenantId: string | null;
    };
    assert.deepEqual([operator.role, operator.tenantId], ['operator', null]);
    await assert.rejects(
      cli('api-key', 'create', '--operator', '--tenant', 'acme'),
      /an operator key belongs to no tenant/,
    );
    await assert.rejects(cli('api-key', 'create', '--role', 'reader'), /tenant.*required/i);

    const server = spawn(process.execPath, [BIN, 'serve'], { env: { ...runner.env, BRAINOPS_API_PORT: '0' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
        readline.createInterface({ input: server.stdout }).on('line', (line) => {
          const match = /BrainOps API on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
          if (match) resolve(match[1]!);
        });
      });
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const stats = () => fetch(`${url}/memory/context/stats`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal((await stats()).status, 200);
      // The operator key may read every tenant's totals; a tenant's writer key may not.
      const all = (k: string) =>
        fetch(`${url}/memory/context/stats?all=true`, { headers: { authorization: `Bearer ${k}` } });
      assert.equal((await all(operator.key)).status, 200);
      assert.equal((await all(key)).status, 403);

      assert.match(await cli('api-key', 'revoke', listed[0]!.id as string), /^Revoked /);
      const everyKey = JSON.parse(await cli('api-key', 'list', '--json')) as Record<string, unknown>[];
      assert.equal(everyKey.find((k) => k.id === listed[0]!.id)?.revokedAt === null, false);
      await new Promise((r) => setTimeout(r, 5500)); // the server trusts a verified key for 5 s
      assert.equal((await stats()).status, 401, 'a revoked key is refused');
    } finally {
      // A server that already exited (it failed to start) has nothing left to wait for.
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
    }
  });
});
