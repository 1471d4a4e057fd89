import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { errorLearningWorkflowId } from '../src/domain/signature-hash';
import type { HealthTarget } from '../src/contracts/health';
import type { ErrorLearningStatus } from '../src/contracts/error-learning-messages';
import { eventually, testConfig, testWorker, useTestRedis, useTestStack } from './helpers';

const run = promisify(execFile);

describe('SystemMonitor heals a real Redis on loopback (real Temporal, real PostgreSQL)', () => {
  const stack = useTestStack();
  // The configured remediation: the very command that starts this Redis.
  const { port, start: startRedis, stop: stopRedis } = useTestRedis(6390);

  it('detects Redis going down, restarts it with the configured command, verifies and learns', async (t) => {
    await run(startRedis[0]!, startRedis.slice(1));
    const target: HealthTarget = { kind: 'tcp', name: 'redis', host: '127.0.0.1', port, timeoutMs: 1000 };
    const base = testConfig(stack.db.url, { healthTargets: [target] });
    const config = {
      ...base,
      errorLearning: {
        ...base.errorLearning,
        remediations: { 'restart-redis': { kind: 'command' as const, argv: startRedis, env: {}, timeoutMs: 10_000 } },
        targetRemediations: { redis: 'restart-redis' },
      },
    };
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await eventually(
        async () => ((await client.runMonitor()).results[0]?.status === 'up' ? true : undefined),
        10_000,
        'redis up',
      );
      for (const round of [1, 2]) {
        await stopRedis();
        const killedAt = Date.now();
        const down = await client.runMonitor();
        assert.equal(down.results[0]?.status, 'down');
        const detectedAt = Date.now();
        const [error] = await stack.store.errorEvents.list({ limit: 1 });
        const status = (await client.temporal.workflow
          .getHandle(errorLearningWorkflowId(error!.signature))
          .result()) as ErrorLearningStatus;
        const recoveredAt = Date.now();
        assert.equal(status.state, 'resolved', `round ${round}`);
        assert.equal(status.resolvedBy?.action, 'restart-redis');
        assert.equal((await client.runMonitor()).results[0]?.status, 'up', 'Redis answers again');
        const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
        assert.equal(stdout.trim(), 'PONG');
        t.diagnostic(
          `round ${round}: detected ${detectedAt - killedAt} ms after the kill, recovered ${recoveredAt - detectedAt} ms after detection`,
        );
      }
    });
    const [solution] = await stack.store.knowledge.listSolutions();
    assert.equal(solution?.action, 'restart-redis');
    assert.equal(solution?.source, 'learned', 'the configured fix that worked was learned');
    assert.equal(solution?.successCount, 2, 'the second outage was fixed by the learned solution');
  });
});
