import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useCli } from './cli-helper';
import { useTestStack } from './helpers';

describe('brainops CLI (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  const runner = useCli(stack);
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runner.run(args, extraEnv);

  it('drives a session end to end, with text and JSON output', async () => {
    const ref = ['--tenant', 'acme', '--session', 'cli'];
    assert.match(
      (await cli(['session', 'start', ...ref, '--agent', 'helper'])).stdout,
      /Session acme\/cli is running as workflow session\/acme\/cli/,
    );
    assert.equal((await cli(['session', 'message', ...ref, '--role', 'user', 'hello from the CLI'])).code, 0);
    const task = JSON.parse(
      (await cli(['session', 'task', 'add', ...ref, 'Write docs', '--id', 'docs', '--json'])).stdout,
    );
    assert.equal(task.taskId, 'docs');
    const handoff = JSON.parse(
      (
        await cli([
          'session',
          'handoff',
          ...ref,
          '--to',
          'writer',
          '--reason',
          'docs',
          '--info',
          '{"audience":"ops"}',
          '--json',
        ])
      ).stdout,
    );
    assert.deepEqual(handoff.contextSnapshot.criticalFacts, { audience: 'ops' });
    const context = await cli(['session', 'context', ...ref]);
    assert.match(context.stdout, /current writer/);
    assert.match(context.stdout, /hello from the CLI/);
    const brief = await cli(['brief', '--tenant', 'acme']);
    assert.match(brief.stdout, /# Session brief — tenant acme/);
    assert.match(brief.stdout, /\[ \] Write docs/);
    const ended = JSON.parse((await cli(['session', 'end', ...ref, '--json'])).stdout);
    assert.equal(ended.currentAgent, 'writer');
    assert.equal((await stack.store.sessions.listMessages({ tenantId: 'acme', sessionId: 'cli' })).length, 1);
  });

  it('stores, reads and searches memory', async () => {
    const stored = await cli([
      'memory',
      'store',
      'runbook/db',
      '{"steps":3}',
      '--type',
      'knowledge',
      '--scope',
      'tenant',
      '--tenant',
      'acme',
      '--title',
      'Database failover runbook',
    ]);
    assert.equal(stored.code, 0, stored.stderr);
    const got = JSON.parse(
      (await cli(['memory', 'retrieve', 'runbook/db', '--scope', 'tenant', '--tenant', 'acme', '--json'])).stdout,
    );
    assert.deepEqual(got.value, { steps: 3 });
    const search = await cli(['memory', 'search', 'failover', '--tenant', 'acme']);
    assert.match(search.stdout, /runbook\/db/);
    const other = await cli(['memory', 'search', 'failover', '--tenant', 'globex', '--json']);
    assert.deepEqual(JSON.parse(other.stdout), []);
    const stats = JSON.parse((await cli(['memory', 'stats', '--json'])).stdout);
    assert.ok(stats.entries >= 1);
    const missing = await cli(['memory', 'retrieve', 'nope']);
    assert.equal(missing.code, 1);
  });

  it('lists memory a page at a time, deletes an entry, and erases a user with a receipt', async () => {
    const store = (key: string) =>
      cli(['memory', 'store', key, '"x"', '--type', 'task', '--scope', 'user', '--tenant', 'acme', '--user', 'leaver']);
    for (const key of ['forget/1', 'forget/2', 'forget/3']) assert.equal((await store(key)).code, 0);
    const list = (more: string[]) => cli(['memory', 'list', '--tenant', 'acme', '--prefix', 'forget/', ...more]);
    const first = JSON.parse((await list(['--limit', '2', '--json'])).stdout);
    assert.equal(first.entries.length, 2);
    const text = await list(['--limit', '2', '--cursor', first.nextCursor]);
    assert.match(text.stdout, /forget\/1/);
    assert.doesNotMatch(text.stdout, /More: --cursor/);
    const deleteLeaversEntry = [
      'memory',
      'delete',
      'forget/3',
      '--scope',
      'user',
      '--tenant',
      'acme',
      '--user',
      'leaver',
    ];
    const deleted = await cli(deleteLeaversEntry);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted forget\/3/);
    const again = await cli(deleteLeaversEntry);
    assert.equal(again.code, 1);

    assert.equal((await cli(['erase', '--tenant', 'acme'])).code, 2, 'a whole tenant needs --yes');
    const started = JSON.parse((await cli(['erase', '--tenant', 'acme', '--user', 'leaver', '--json'])).stdout);
    let status = '';
    for (let i = 0; i < 60 && !/finished/.test(status); i++) {
      if (i) await new Promise((r) => setTimeout(r, 500));
      status = (await cli(['erase-status', started.erasureId])).stdout;
    }
    assert.match(status, /: finished/);
    assert.match(status, /memory_entries: 2/);
    assert.match(status, /Asked by cli/);
  });

  it('runs the monitor and prints a table', async () => {
    const result = await cli(['monitor', 'run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /memory-database\s+postgres\s+up/);
    assert.match(result.stdout, /temporal\s+temporal\s+up/);
  });

  it('runs DatabaseGuardian and a learning cycle', async () => {
    const status = await cli(['db', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^memory: \d+ migrations applied \(last \d{17}_[\w-]+\), 0 pending$/m);
    const findings = await cli(['db', 'findings', '--database', 'memory', '--json']);
    assert.equal(findings.code, 0, findings.stderr);
    assert.equal(JSON.parse(findings.stdout).databases[0].database, 'memory');
    const cycle = await cli(['learning', 'run', 'five-minute', '--window-end', '2026-01-01T00:07:00Z', '--json']);
    assert.equal(cycle.code, 0, cycle.stderr);
    assert.deepEqual(JSON.parse(cycle.stdout).result.window, {
      cycle: 'five-minute',
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:05:00.000Z',
      key: 'five-minute/2026-01-01T00:05:00.000Z',
    });
  });

  it('rejects every kind of bad input with a clear message and a non-zero exit', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['session', 'message', '-t', 'acme', '-s', 'x', '-r', 'robot', 'hi'], {}, /Invalid message: role/],
      [['session', 'message', '-t', 'bad tenant', '-s', 'x', 'hi'], {}, /Invalid session: tenantId/],
      [['session', 'task', 'add', '-t', 'acme', '-s', 'cli2', ''], {}, /Invalid task: title/],
      [
        ['session', 'handoff', '-t', 'acme', '-s', 'x', '--to', 'a', '--reason', 'r', '--info', '[1]'],
        {},
        /--info: expected a JSON object/,
      ],
      [['memory', 'store', 'k', 'v', '--type', 'gossip'], {}, /Invalid memory entry: memoryType/],
      [['memory', 'store', 'k', 'v', '--type', 'knowledge', '--importance', '3'], {}, /importance/],
      [
        ['memory', 'store', 'k', 'v', '--type', 'knowledge', '--scope', 'user'],
        {},
        /userId: required when scope is "user"/,
      ],
      [['memory', 'search', ' '], {}, /Invalid memory search: query/],
      [['schedules', 'list'], { TEMPORAL_UI_PORT: 'eighty' }, /TEMPORAL_UI_PORT/],
      [
        ['schedules', 'list'],
        { BRAINOPS_HEALTH_TARGETS: '[{"kind":"http","name":"x","url":"nope"}]' },
        /BRAINOPS_HEALTH_TARGETS\.0\.url/,
      ],
      [['schedules', 'list'], { BRAINOPS_MONITOR_INTERVAL: 'often' }, /BRAINOPS_MONITOR_INTERVAL: expected a duration/],
      [['schedules', 'list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }, /cannot reach Temporal at 127\.0\.0\.1:1/],
      [['session', 'nonsense'], {}, /unknown command/],
      [
        ['kb', 'add', 'X: y', '--action', 'nope', '--description', 'd'],
        {},
        /action: "nope" is not a registered remediation/,
      ],
      [
        ['kb', 'add', 'X: y', '--action', 'pause', '--description', 'd', '--params', '{"argv":["sh"]}'],
        { BRAINOPS_REMEDIATIONS: '{"pause":{"kind":"wait"}}' },
        /params: Unrecognized key: "argv"/,
      ],
      [
        ['schedules', 'list'],
        { BRAINOPS_REMEDIATIONS: '{"x":{"kind":"command","argv":"rm -rf /"}}' },
        /BRAINOPS_REMEDIATIONS\.x\.argv/,
      ],
      [
        ['db', 'restore-check', '--backup', 'latest'],
        {},
        /option '--backup <id>' argument 'latest' is invalid\. expected an id/,
      ],
      [
        ['errors', 'list', '--limit', 'lots'],
        {},
        /option '--limit <n>' argument 'lots' is invalid\. expected a whole number/,
      ],
      [
        ['errors', 'summary', '--since', 'forever'],
        {},
        /option '--since <duration>' argument 'forever' is invalid\. expected a duration/,
      ],
      [['kb', 'show', 'first'], {}, /value 'first' is invalid for argument 'id'\. expected an id/],
      [['db', 'findings', '--database', 'Shop DB'], {}, /Invalid DatabaseGuardian run: databases\.0/],
      [['db', 'findings', '--database', 'nope'], {}, /no guarded database "nope" \(configured: memory\)/],
      [
        ['db', 'status'],
        { BRAINOPS_DATABASES: '[{"name":"memory","url":"postgres://x/y"}]' },
        /BRAINOPS_DATABASES\.0\.name: "memory" is the memory database's name/,
      ],
      [['learning', 'run', 'weekly'], {}, /Invalid learning cycle: cycle/],
      [['learning', 'run', 'daily', '--window-end', 'yesterday'], {}, /Invalid learning cycle: windowEnd/],
    ];
    for (const [args, extraEnv, message] of cases) {
      const result = await cli(args, extraEnv);
      assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
      assert.match(result.stderr, message, `${args.join(' ')}: ${result.stderr}`);
    }
    const { rows } = await stack.store.pool.query("select count(*)::int as n from memory_entries where key = 'k'");
    assert.equal(rows[0].n, 0, 'nothing stored by rejected input');
  });
});
