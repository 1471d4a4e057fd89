/**
 * Secrets are never stored: after a SystemMonitor run of a failing HTTP target
 * whose URL carries `user:token`, and the error-learning run it starts (escalated), no workflow
 * history, work-history row, error event, memory entry, decision or log line holds the token.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { HealthTarget } from '../src/contracts/health';
import { redactText, redactValue, secretValues } from '../src/domain/redact';
import { configuredSecrets } from '../temporal.config';
import { createLogger } from '../src/stack/logger';
import { eventually, testConfig, testWorker, useTestStack } from './helpers';

const TOKEN = 's3cr3t-t0ken-4f9c2a';
const ENV_SECRET = 'env-secret-value-77aa';

describe('the redaction rule', () => {
  it('covers URL credentials, password=/token= parameters, authorization headers and configured values', () => {
    assert.equal(
      redactText(`HTTP 503 from http://probe:${TOKEN}@127.0.0.1:1/health`),
      'HTTP 503 from http://[redacted]@127.0.0.1:1/health',
    );
    assert.equal(redactText(`host=db password=${TOKEN} user=x`), 'host=db password=[redacted] user=x');
    assert.equal(redactText(`https://x/?a=1&token=${TOKEN}&b=2`), 'https://x/?a=1&token=[redacted]&b=2');
    assert.equal(redactText(`Authorization: Bearer ${TOKEN}`), 'Authorization: [redacted]');
    assert.equal(redactText(`{"api_key":"${TOKEN}"}`), '{"api_key":"[redacted]"}');
    assert.equal(redactText(`it said ${TOKEN}!`, [TOKEN]), 'it said [redacted]!');
    assert.deepEqual(redactValue({ headers: { authorization: TOKEN }, n: 1, list: [`x ${TOKEN}`] }, [TOKEN]), {
      headers: { authorization: '[redacted]' },
      n: 1,
      list: ['x [redacted]'],
    });
    assert.deepEqual(
      secretValues({ DATABASE_URL: `postgres://app:${TOKEN}@db/x`, SHOP_API_KEY: ENV_SECRET, PATH: '/bin' }).sort(),
      [ENV_SECRET, TOKEN].sort(),
    );
    // The embedded default's password is its user name: not a secret to redact everywhere.
    assert.deepEqual(secretValues({ DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1/brainops' }), []);
  });
});

describe('secrets are never stored (real Temporal, real PostgreSQL, real HTTP service)', () => {
  const stack = useTestStack();

  it('keeps the token of a failing http target out of histories, tables and logs', async () => {
    let authorization: string | undefined;
    const server = http.createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(503).end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const target: HealthTarget = {
      kind: 'http',
      name: 'secret-web',
      url: `http://probe:${TOKEN}@127.0.0.1:${port}/health?token=${TOKEN}`,
      expectStatus: 200,
      timeoutMs: 2000,
    };
    const remediationEnv = { SHOP_TOKEN: ENV_SECRET };
    const base = testConfig(stack.db.url, { healthTargets: [target] });
    const config = {
      ...base,
      errorLearning: {
        ...base.errorLearning,
        remediations: {
          'print-env': {
            kind: 'command' as const,
            argv: [process.execPath, '-e', 'console.log("token is " + process.env.SHOP_TOKEN); process.exit(1)'],
            env: remediationEnv,
            timeoutMs: 5000,
          },
        },
        targetRemediations: { 'secret-web': 'print-env' },
        escalationTimeoutMs: 60_000,
      },
    };
    assert.ok(configuredSecrets(config, {}).includes(ENV_SECRET), 'a command env value is a configured secret');
    assert.ok(configuredSecrets(config, {}).includes(TOKEN), 'a URL password is a configured secret');

    const lines: string[] = [];
    const logger = createLogger('debug', 'test', {
      secrets: configuredSecrets(config),
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store, { logger });
    const started = new Date();
    try {
      await worker.runUntil(async () => {
        const run = await client.runMonitor(['secret-web']);
        assert.equal(run.results[0]?.status, 'down');
        assert.match(run.results[0]!.error!, /HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/health\?token=\[redacted\]/);
        // Error-learning tries the configured remediation (it fails, printing the env value) and escalates.
        await eventually(
          async () => {
            const r = await stack.store.pool.query(
              `select count(*)::int as n from memory_entries where key like 'escalation/%'`,
            );
            return r.rows[0].n > 0 ? true : undefined;
          },
          30_000,
          'the escalation',
        );
        logger.info({ url: target.url, headers: { authorization: `Bearer ${TOKEN}` } }, `probing ${target.url}`);
      });
    } finally {
      server.close();
    }
    assert.equal(
      authorization,
      `Basic ${Buffer.from(`probe:${TOKEN}`).toString('base64')}`,
      'the credentials were used',
    );

    const secrets = [TOKEN, ENV_SECRET];
    const leaks: string[] = [];
    const scan = (where: string, text: string) => {
      for (const s of secrets)
        if (text.includes(s))
          leaks.push(`${where}: ${text.slice(Math.max(0, text.indexOf(s) - 80), text.indexOf(s) + 40)}`);
    };
    for await (const w of stack.env.client.workflow.list({ query: `StartTime >= "${started.toISOString()}"` })) {
      const history = await stack.env.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      scan(`history ${w.workflowId}`, JSON.stringify(history));
      scan(`memo ${w.workflowId}`, JSON.stringify(w.memo ?? {}));
    }
    for (const table of ['work_history', 'error_events', 'memory_entries', 'decision_log', 'unstored_records']) {
      const rows = await stack.store.pool.query(`select t::text as row from ${table} t`);
      assert.ok(table !== 'work_history' || rows.rows.length > 0);
      for (const r of rows.rows as { row: string }[]) scan(table, r.row);
    }
    assert.ok(lines.length > 0);
    for (const line of lines) scan('log', line);
    assert.deepEqual(leaks, []);
  });
});
