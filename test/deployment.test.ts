import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, loadConfig, type BrainOpsConfig } from '../temporal.config';
import type { DeploymentResult } from '../src/workflows/deployment';
import type { ErrorLearningStatus } from '../src/contracts/error-learning-messages';
import { errorLearningWorkflowId } from '../src/domain/signature-hash';
import { errorSignature } from '../src/domain/error-signature';
import {
  eventually,
  listenLoopback,
  testConfig,
  testWorker,
  useTestStack,
  type OperatorClient,
  spawnWorkerProcess,
} from './helpers';

const exec = promisify(execFile);
const BIN = path.join(__dirname, '..', 'bin', 'brainops.cjs');

/** A step: `node -e <script>`, no shell. The script sees MARKER (a file steps append to). */
const node = (script: string) => ['node', '-e', script];
const append = (line: string) =>
  node(`require('fs').appendFileSync(process.env.MARKER, ${JSON.stringify(line)} + '\\n')`);
/** Appends "<name> start", then waits for GO to exist (and gives up if its worker dies). */
const waitForGo = (name: string) =>
  node(
    `const fs = require('fs'); fs.appendFileSync(process.env.MARKER, '${name} start\\n'); const parent = process.ppid;
     setInterval(() => { if (process.ppid !== parent) process.exit(3);
       if (fs.existsSync(process.env.GO)) { fs.appendFileSync(process.env.MARKER, '${name} done\\n'); process.exit(0); } }, 50);`,
  );

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd });
  return stdout.trim();
}

/** A repository with commits tagged `good`, `bad` (its health file says "broken") and `good2`. */
async function createRepo(dir: string): Promise<Record<'good' | 'bad' | 'good2', string>> {
  fs.mkdirSync(dir, { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  const commit = async (tag: string, files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '--quiet', '-m', tag);
    await git(dir, 'tag', tag);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const good = await commit('good', { 'health.txt': 'ok\n', 'app.js': 'module.exports = 1;\n' });
  const bad = await commit('bad', { 'health.txt': 'broken\n', 'app.js': 'module.exports = 2;\n' });
  const good2 = await commit('good2', { 'health.txt': 'ok\n', 'app.js': 'module.exports = 3;\n', 'README.md': 'v3\n' });
  return { good, bad, good2 };
}

/** An HTTP service whose health is the `health.txt` of the release its `current` link points at. */
async function releaseHealthServer(
  currentDirs: Record<string, string>,
): Promise<{ port: number; down: Set<string>; close(): Promise<void> }> {
  const down = new Set<string>();
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (down.has(name)) return void res.writeHead(503).end('down whatever is released');
    const dir = currentDirs[name];
    let text = '';
    try {
      text = fs.readFileSync(path.join(dir!, 'current', 'health.txt'), 'utf8').trim();
    } catch {
      text = 'no release';
    }
    res.writeHead(text === 'ok' ? 200 : 500).end(text);
  });
  return { ...(await listenLoopback(server)), down };
}

/**
 * A platform with a deploy hook: POST /hook {commit} makes that commit live a moment later;
 * GET /status names the live commit; GET /health fails while the commit in `broken` is live.
 */
async function hookPlatform(broken: () => string): Promise<{ port: number; calls: string[]; close(): Promise<void> }> {
  let live = '';
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === '/hook') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { commit } = JSON.parse(body) as { commit: string };
        calls.push(commit);
        setTimeout(() => (live = commit), 150);
        res.writeHead(202).end();
      });
      return;
    }
    if (req.url === '/status') return void res.writeHead(200).end(JSON.stringify({ live }));
    res.writeHead(live && live !== broken() ? 200 : 503).end();
  });
  return { ...(await listenLoopback(server)), calls };
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const count = (file: string, line: string) => lines(file).filter((l) => l === line).length;
const currentOf = (dir: string) => path.basename(fs.readlinkSync(path.join(dir, 'current')));

describe('DeploymentManager (real Temporal, real PostgreSQL, real git)', () => {
  // Registered before the stack's own hook, so it runs before the database is dropped.
  after(async () => {
    await health?.close();
    await platform?.close();
    await client?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const stack = useTestStack();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-deploy-test-'));
  const repo = path.join(root, 'repo');
  const marker = path.join(root, 'marker.log');
  const go = path.join(root, 'go');
  let commits: Awaited<ReturnType<typeof createRepo>>;
  let health: Awaited<ReturnType<typeof releaseHealthServer>>;
  let platform: Awaited<ReturnType<typeof hookPlatform>>;
  let targetsJson: string;
  let config: BrainOpsConfig;
  let client: OperatorClient;
  const dir = (name: string) => path.join(root, 'deploy', name);

  before(async () => {
    commits = await createRepo(repo);
    health = await releaseHealthServer({
      web: dir('web'),
      staging: dir('staged'),
      production: dir('staged-production'),
      fragile: dir('fragile'),
      fresh: dir('fresh'),
    });
    platform = await hookPlatform(() => commits.bad);
    const check = (name: string) => [
      { kind: 'http', name: `${name}-health`, url: `http://127.0.0.1:${health.port}/${name}`, timeoutMs: 2000 },
    ];
    const fast = { verify: { attempts: 2, intervalMs: 100 }, heartbeatTimeoutMs: 2000 };
    const env = { MARKER: marker, GO: go };
    /** Released through the test platform's deploy hook, healthy unless the bad commit is live. */
    const onPlatform = {
      release: {
        kind: 'hook',
        url: `http://127.0.0.1:${platform.port}/hook`,
        statusUrl: `http://127.0.0.1:${platform.port}/status`,
        pollIntervalMs: 100,
        timeoutMs: 5000,
      },
      healthChecks: [
        { kind: 'http', name: 'platform', url: `http://127.0.0.1:${platform.port}/health`, timeoutMs: 2000 },
      ],
      precheck: { approveAt: 1, blockAt: 1 },
    };
    // Declared as an operator would, in BRAINOPS_DEPLOY_TARGETS, and parsed by the real config loader.
    targetsJson = JSON.stringify({
      web: {
        ...fast,
        repository: repo,
        directory: dir('web'),
        steps: [
          { name: 'install', argv: append('install'), env },
          { name: 'build', argv: append('build'), env },
        ],
        release: { kind: 'symlink', keep: 3 },
        healthChecks: check('web'),
        precheck: { approveAt: 0.5, blockAt: 0.95 },
      },
      crash: {
        ...fast,
        repository: repo,
        directory: dir('crash'),
        steps: [
          { name: 'one', argv: append('one'), env },
          { name: 'two', argv: waitForGo('two'), env },
          { name: 'three', argv: append('three'), env },
        ],
      },
      staged: {
        ...fast,
        repository: repo,
        directory: dir('staged'),
        steps: [{ name: 'build', argv: append('staged build'), env }],
        environments: [
          { name: 'staging', healthChecks: check('staging') },
          {
            name: 'production',
            approval: true,
            release: { kind: 'symlink', directory: dir('staged-production') },
            healthChecks: check('production'),
          },
        ],
      },
      cancel: {
        ...fast,
        repository: repo,
        directory: dir('cancel'),
        steps: [
          { name: 'prep', argv: append('prep'), compensate: append('undo prep'), env },
          {
            name: 'slow',
            argv: waitForGo('slow'),
            compensate: append('undo slow'),
            env: { ...env, GO: path.join(root, 'never') },
          },
        ],
      },
      hooked: {
        ...fast,
        repository: repo,
        directory: dir('hooked'),
        steps: [{ name: 'test', argv: node('process.exit(0)') }],
        ...onPlatform,
      },
      fragile: {
        ...fast,
        repository: repo,
        directory: dir('fragile'),
        healthChecks: check('fragile'),
        precheck: { approveAt: 1, blockAt: 1 },
      },
      fresh: {
        ...fast,
        repository: repo,
        directory: dir('fresh'),
        healthChecks: check('fresh'),
        precheck: { approveAt: 1, blockAt: 1 },
      },
      hookfresh: {
        ...fast,
        repository: repo,
        directory: dir('hookfresh'),
        ...onPlatform,
      },
      secret: {
        ...fast,
        repository: repo,
        directory: dir('secret'),
        steps: [
          {
            name: 'build',
            argv: node('process.exit(process.env.API_TOKEN ? 0 : 1)'),
            env: { API_TOKEN: 's3cret-step-env' },
          },
        ],
        release: {
          kind: 'symlink',
          restart: {
            argv: [...node('process.exit(0)'), '--', '--token=s3cret-restart-argv'],
            env: { RESTART_TOKEN: 's3cret-restart-env' },
          },
        },
        environments: [
          { name: 'staging' },
          {
            name: 'production',
            release: {
              kind: 'hook',
              url: `http://127.0.0.1:${platform.port}/hook?key=s3cret-hook-key`,
              headers: { authorization: 'Bearer s3cret-hook-header' },
              statusUrl: `http://127.0.0.1:${platform.port}/status`,
              pollIntervalMs: 100,
              timeoutMs: 5000,
            },
          },
        ],
        precheck: { approveAt: 1, blockAt: 1 },
      },
      slowgit: {
        ...fast,
        heartbeatTimeoutMs: 1000,
        repository: repo,
        directory: dir('slowgit'),
        precheck: { approveAt: 1, blockAt: 1 },
      },
      unrunnable: {
        ...fast,
        repository: repo,
        directory: dir('unrunnable'),
        steps: [
          {
            name: 'prep',
            argv: node('process.exit(0)'),
            compensate: node("console.error('cannot undo prep'); process.exit(4)"),
          },
          { name: 'build', argv: ['brainops-test-no-such-program'] },
        ],
        precheck: { approveAt: 1, blockAt: 1 },
      },
      serial: {
        ...fast,
        repository: repo,
        directory: dir('serial'),
        steps: [{ name: 'build', argv: waitForGo('serial build'), env: { ...env, GO: path.join(root, 'serial-go') } }],
        precheck: { approveAt: 1, blockAt: 1 },
      },
      noisy: {
        ...fast,
        repository: repo,
        directory: dir('noisy'),
        steps: [
          {
            name: 'chatter',
            argv: node(
              "for (let i = 0; i < 20000; i++) console.log('line ' + i + ' ' + 'x'.repeat(90)); console.log('all done')",
            ),
          },
        ],
      },
    });
    config = testConfig(stack.db.url, { deploy: loadConfig({ BRAINOPS_DEPLOY_TARGETS: targetsJson }).deploy });
    client = stack.client(config);
  });
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: stack.db.url,
      BRAINOPS_DEPLOY_TARGETS: targetsJson,
    };
    return exec(process.execPath, [BIN, ...args], { env, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  const result = (workflowId: string) =>
    client.temporal.workflow.getHandle<() => Promise<DeploymentResult>>(workflowId).result();

  it('deploys a good commit, rolls a bad one back to it automatically, weighs the failure next time, and rolls back by hand', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      // 1. The good commit: built, released, healthy, recorded.
      const first = await client.deployments.start({ target: 'web', ref: 'good', startedBy: 'alice' });
      assert.equal(first.workflowId, 'deploy/web/good');
      const good = await result(first.workflowId);
      assert.equal(good.status, 'succeeded');
      assert.equal(good.commit, commits.good);
      assert.equal(currentOf(dir('web')), commits.good);
      assert.deepEqual(lines(marker), ['install', 'build']);
      assert.deepEqual(
        good.view.steps.map((s) => [s.name, s.status]),
        ['queue', 'fetch', 'pre-check', 'checkout', 'install', 'build', 'release', 'verify'].map((n) => [
          n,
          'succeeded',
        ]),
      );

      // 2. The bad commit builds but fails its health check after release: rolled back to good, verified.
      const second = await client.deployments.start({ target: 'web', ref: 'bad', startedBy: 'bob' });
      const failed = await result(second.workflowId).then(
        () => assert.fail('the bad deployment succeeded'),
        (e: unknown) => e,
      );
      assert.ok(failed instanceof WorkflowFailedError && failed.cause instanceof ApplicationFailure);
      assert.equal(failed.cause.type, 'DeploymentFailed');
      assert.match(failed.cause.message, /rolled back at verify: http check of web-health failed: HTTP 500/);
      assert.equal(currentOf(dir('web')), commits.good, 'current points at the good release again');
      assert.equal((await fetch(`http://127.0.0.1:${health.port}/web`)).status, 200);
      const statusAfter = await client.deployments.status(second.workflowId);
      assert.deepEqual(
        statusAfter.steps.slice(-4).map((s) => [s.name, s.status]),
        [
          ['release', 'succeeded'],
          ['verify', 'failed'],
          ['rollback', 'succeeded'],
          ['verify rollback', 'succeeded'],
        ],
      );
      assert.equal(statusAfter.execution, 'FAILED');

      // 3. The same bad commit again: the pre-check remembers, asks for approval; a person rejects.
      const third = await client.deployments.start({ target: 'web', ref: 'bad', startedBy: 'bob' });
      const waiting = await eventually(
        async () => {
          const s = await client.deployments.status(third.workflowId);
          return s.awaitingApproval ? s : undefined;
        },
        20_000,
        'pre-check approval gate',
      );
      assert.equal(waiting.awaitingApproval, 'pre-check');
      assert.ok(waiting.risk! >= 0.6, `risk ${waiting.risk}`);
      assert.ok(
        waiting.riskReasons!.some((r) => r.startsWith(`commit ${commits.bad.slice(0, 12)} failed before`)),
        waiting.riskReasons!.join('; '),
      );
      await client.deployments.reject(third.workflowId, 'carol', 'fix the health check first');
      const rejected = await result(third.workflowId);
      assert.equal(rejected.status, 'rejected');
      assert.equal(currentOf(dir('web')), commits.good);

      // 4. A second good commit, then `deploy rollback`: back to the first, without rebuilding it.
      assert.equal(
        (await result((await client.deployments.start({ target: 'web', ref: 'good2', startedBy: 'alice' })).workflowId))
          .status,
        'succeeded',
      );
      assert.equal(currentOf(dir('web')), commits.good2);
      const builds = count(marker, 'build');
      const back = await client.rollback({ target: 'web', startedBy: 'dave' });
      assert.equal(back.commit, commits.good);
      const rolledBack = await result(back.workflowId);
      assert.equal(rolledBack.status, 'succeeded');
      assert.equal(currentOf(dir('web')), commits.good);
      assert.equal(count(marker, 'build'), builds, 'the earlier release was not built again');
      assert.deepEqual(rolledBack.view.steps.find((s) => s.name === 'build')?.detail, 'skipped: built before');

      // The same through the CLI.
      const status = await cli(['deploy', 'status', 'deploy/web/bad']);
      assert.match(status.stdout, /^deploy\/web\/bad: rejected\n/);
      assert.match(status.stdout, /pre-check risk 0\.\d+: commit [0-9a-f]{12} failed before/);
      const started = JSON.parse(
        (await cli(['deploy', 'start', 'web', 'good2', '--by', 'erin', '--wait', '--json'])).stdout,
      );
      assert.equal(started.state, 'succeeded');
      assert.equal(currentOf(dir('web')), commits.good2);
      assert.equal(
        count(marker, 'build'),
        builds,
        'a release built before is switched to as it is, never rebuilt in place',
      );

      // A person may force past the pre-check; it is still assessed, and logged as overridden.
      const forced = await cli(['deploy', 'start', 'web', 'bad', '--by', 'frank', '--force', '--wait', '--json']);
      assert.equal(forced.code, 2, 'a deployment that did not succeed exits 2');
      assert.equal(JSON.parse(forced.stdout).state, 'rolled_back');
      assert.equal(currentOf(dir('web')), commits.good2);
    });

    // Memory: the records, their steps, the error with its signature, the decisions, work history.
    const history = await client.deploymentHistory({ target: 'web' });
    assert.deepEqual(
      history.map((d) => [d.ref, d.kind, d.status, d.startedBy]),
      [
        ['bad', 'deploy', 'rolled_back', 'frank'],
        ['good2', 'deploy', 'succeeded', 'erin'],
        [commits.good, 'rollback', 'succeeded', 'dave'],
        ['good2', 'deploy', 'succeeded', 'alice'],
        ['bad', 'deploy', 'rejected', 'bob'],
        ['bad', 'deploy', 'rolled_back', 'bob'],
        ['good', 'deploy', 'succeeded', 'alice'],
      ],
    );
    const bad = history[5]!;
    assert.deepEqual(bad.rollback, { to: commits.good, verified: true, environments: ['default'] });
    assert.equal(bad.failedStep, 'verify');
    assert.equal(bad.commit, commits.bad);
    assert.deepEqual(bad.changedPaths.sort(), ['app.js', 'health.txt'], 'diffed against the last good release');
    assert.match(
      bad.errorSignature ?? '',
      /^HealthCheckFailed: http check of web-health failed: HTTP <n> from http:\/\/<host>\/<path>/,
    );
    const [event] = await stack.store.errorEvents.list({ signature: bad.errorSignature!, limit: 1 });
    assert.equal(event?.source, 'DeploymentManager');
    const steps = history[6]!.steps!;
    assert.deepEqual(
      steps.map((s) => s.name),
      ['queue', 'fetch', 'pre-check', 'checkout', 'install', 'build', 'release', 'verify'],
    );
    assert.ok(steps.every((s) => s.status === 'succeeded' && s.durationMs >= 0));
    const decisions = await stack.store.pool.query<{ decision: string; context: { reasons: string[] } }>(
      "select decision, context from decision_log where agent_id = 'DeploymentManager' order by id",
    );
    assert.match(decisions.rows[0]!.decision, /^pre-check of web [0-9a-f]{12}: go on$/);
    assert.ok(decisions.rows.some((d) => /: ask for approval$/.test(d.decision) && d.context.reasons.length > 0));
    assert.ok(decisions.rows.some((d) => /^rejected pre-check gate of web/.test(d.decision)));
    assert.ok(
      decisions.rows.some((d) => /: ask for approval \(overridden by frank\)$/.test(d.decision)),
      decisions.rows.map((d) => d.decision).join('\n'),
    );
    const work = await stack.store.workHistory.list({ workflowId: 'deploy/web/good', limit: 100 });
    assert.ok(work.length > 0 && work.every((w) => w.agentId === 'DeploymentManager'));
    assert.ok(work.some((w) => w.action === 'runDeployStep' && w.success));
  });

  it('finishes a deployment on a new worker after its worker is killed mid-step, without repeating completed steps', async () => {
    fs.rmSync(marker, { force: true });
    fs.rmSync(go, { force: true });
    const { child, exited } = spawnWorkerProcess(stack, config, { BRAINOPS_DEPLOY_TARGETS: targetsJson });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
      });
      await client.deployments.start({ target: 'crash', ref: 'good', startedBy: 'ci' });
      await eventually(async () => (count(marker, 'two start') === 1 ? true : undefined), 30_000, 'step two running');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.deepEqual(lines(marker), ['one', 'two start']);

    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      // The lost attempt times out (no heartbeats); Temporal retries step two on this worker.
      await eventually(async () => (count(marker, 'two start') === 2 ? true : undefined), 30_000, 'step two retried');
      fs.writeFileSync(go, '');
      const done = await result('deploy/crash/good');
      assert.equal(done.status, 'succeeded');
    });
    assert.deepEqual(
      lines(marker),
      ['one', 'two start', 'two start', 'two done', 'three'],
      'step one ran once, step two finished once, step three ran',
    );
    assert.equal(currentOf(dir('crash')), commits.good);
  });

  it('waits at an approval gate between staging and production, refuses a second start of the same ref, and goes on when approved', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.deployments.start({ target: 'staged', ref: 'good2', startedBy: 'alice' });
      const waiting = await eventually(
        async () => {
          const s = await client.deployments.status(workflowId);
          return s.awaitingApproval ? s : undefined;
        },
        20_000,
        'production approval gate',
      );
      assert.equal(waiting.awaitingApproval, 'production');
      assert.equal(waiting.state, 'awaiting-approval');
      assert.equal(currentOf(dir('staged')), commits.good2, 'staging is released and verified');
      assert.equal(fs.existsSync(path.join(dir('staged-production'), 'current')), false, 'production is not');

      await assert.rejects(
        client.deployments.start({ target: 'staged', ref: 'good2', startedBy: 'bob' }),
        (e: Error) => {
          assert.match(e.message, /^deploy\/staged\/good2 is already running/);
          return true;
        },
      );

      await client.deployments.approve(workflowId, 'carol');
      const done = await result(workflowId);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(
        done.view.approvals.map((a) => [a.gate, a.approved, a.by]),
        [['production', true, 'carol']],
      );
      assert.deepEqual(
        done.view.steps.filter((s) => s.environment).map((s) => `${s.environment}:${s.name}`),
        ['staging:release', 'staging:verify', 'production:promote', 'production:release', 'production:verify'],
      );
    });
    assert.equal(currentOf(dir('staged-production')), commits.good2);
  });

  it('deploys two refs of one target one after the other, in the order they started', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const first = await client.deployments.start({ target: 'serial', ref: 'good', startedBy: 'alice' });
      await eventually(
        async () => (count(marker, 'serial build start') === 1 ? true : undefined),
        20_000,
        'the first build',
      );
      const second = await client.deployments.start({ target: 'serial', ref: 'good2', startedBy: 'bob' });
      const queued = await eventually(
        async () => {
          const s = await client.deployments.status(second.workflowId);
          return s.step === 'queue' ? s : undefined;
        },
        20_000,
        'the second deployment queued',
      );
      assert.equal(queued.steps.at(-1)?.status, 'running');
      assert.equal(count(marker, 'serial build start'), 1, 'the second has not started building');

      fs.writeFileSync(path.join(root, 'serial-go'), '');
      assert.equal((await result(first.workflowId)).status, 'succeeded');
      const done = await result(second.workflowId);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.view.steps[0]?.name, 'queue');
      assert.equal(done.view.steps[0]?.detail, 'no other deployment of serial running');
    });
    assert.deepEqual(
      lines(marker).filter((l) => l.startsWith('serial')),
      ['serial build start', 'serial build done', 'serial build start', 'serial build done'],
    );
    assert.equal(currentOf(dir('serial')), commits.good2, 'the later start is released last');
  });

  it('cancels mid-step: the step is stopped and every completed step is undone, newest first', async () => {
    fs.rmSync(marker, { force: true });
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.deployments.start({ target: 'cancel', ref: 'good', startedBy: 'alice' });
      await eventually(async () => (count(marker, 'slow start') === 1 ? true : undefined), 20_000, 'slow step running');
      const live = await client.deployments.status(workflowId);
      assert.equal(live.step, 'slow');
      assert.ok(live.stepElapsedMs! >= 0);
      await client.deployments.cancel(workflowId, 'alice', 'wrong branch');
      const done = await result(workflowId);
      assert.equal(done.status, 'cancelled');
      assert.equal(done.view.steps.find((s) => s.name === 'slow')?.status, 'cancelled');
    });
    assert.deepEqual(lines(marker), ['prep', 'slow start', 'undo slow', 'undo prep']);
    assert.equal(fs.existsSync(path.join(dir('cancel'), 'releases', commits.good)), false, 'the checkout was removed');
    assert.equal(fs.existsSync(path.join(dir('cancel'), 'current')), false);
    const [record] = await client.deploymentHistory({ target: 'cancel' });
    assert.equal(record?.status, 'cancelled');
    assert.equal(record?.errorMessage, 'cancelled by alice: wrong branch');
    assert.equal(record?.errorSignature, null, 'a cancel is a decision, not an error');
  });

  it('keeps a bounded tail of a step that prints a lot, in memory and in the history', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.deployments.start({ target: 'noisy', ref: 'good', startedBy: 'ci' });
      const done = await result(workflowId);
      const tail = done.view.steps.find((s) => s.name === 'chatter')!.logTail!;
      assert.ok(Buffer.byteLength(tail) <= 8192 + 64, `tail is ${Buffer.byteLength(tail)} bytes`);
      assert.ok(/^\[… \d+ earlier bytes not kept\]\n/.test(tail), tail.slice(0, 100));
      assert.ok(/line 19999 x+\nall done\n$/.test(tail), tail.slice(-200));
      let historyBytes = 0;
      for (const event of (await client.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [])
        historyBytes += JSON.stringify(event).length;
      assert.ok(historyBytes < 100_000, `history is ${historyBytes} bytes for ~1.9 MB of output`);
    });
    const [record] = await client.deploymentHistory({ target: 'noisy' });
    assert.ok(record!.steps!.find((s) => s.name === 'chatter')!.logTail!.endsWith('all done\n'));
  });

  it('releases through a deploy hook, waits for the status URL, and calls the hook with the previous commit to roll back', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const good = await result(
        (await client.deployments.start({ target: 'hooked', ref: 'good', startedBy: 'ci' })).workflowId,
      );
      assert.equal(good.status, 'succeeded');
      assert.match(
        good.view.steps.find((s) => s.name === 'release')?.detail ?? '',
        /deploy hook: HTTP 202; [0-9a-f]{12} is live/,
      );
      const { workflowId } = await client.deployments.start({ target: 'hooked', ref: 'bad', startedBy: 'ci' });
      await assert.rejects(result(workflowId), (e: Error) =>
        /rolled back at verify: http check of platform failed: HTTP 503/.test(String(e.cause)),
      );
    });
    assert.deepEqual(platform.calls, [commits.good, commits.bad, commits.good]);
    const [bad] = await client.deploymentHistory({ target: 'hooked' });
    assert.deepEqual(bad?.rollback, { to: commits.good, verified: true, environments: ['default'] });
  });

  it('hands a rollback that does not come back healthy to error-learning', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      assert.equal(
        (await result((await client.deployments.start({ target: 'fragile', ref: 'good', startedBy: 'ci' })).workflowId))
          .status,
        'succeeded',
      );
      health.down.add('fragile');
      const { workflowId } = await client.deployments.start({ target: 'fragile', ref: 'good2', startedBy: 'ci' });
      await assert.rejects(result(workflowId), (e: Error) => /rollback failed at verify/.test(String(e.cause)));
      const signature = errorSignature(
        'HealthCheckFailed',
        `http check of fragile-health failed: HTTP 503 from http://127.0.0.1:${health.port}/fragile, expected 200`,
      );
      const learning = client.temporal.workflow.getHandle(errorLearningWorkflowId(signature));
      const state = await eventually(
        async () => (await learning.query<ErrorLearningStatus>('status')).state,
        15_000,
        'error-learning started',
      );
      assert.ok(['remediating', 'escalated'].includes(state), state);
      await learning.signal('ignore', { reason: 'test' });
      assert.equal((await learning.result()).state, 'ignored');
    });
    assert.equal(currentOf(dir('fragile')), commits.good, 'the previous release is back, though unhealthy');
    const [record] = await client.deploymentHistory({ target: 'fragile' });
    assert.equal(record?.status, 'rollback_failed');
    assert.deepEqual(record?.rollback, { to: commits.good, verified: false, environments: ['default'] });
  });

  it('rolls a first-ever release that fails back to no release, and says so when a deploy hook has nothing to return to', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    const calls = platform.calls.length;
    await worker.runUntil(async () => {
      // Symlink: `current` is removed again and so is the checkout; there is nothing to verify.
      await assert.rejects(
        result((await client.deployments.start({ target: 'fresh', ref: 'bad', startedBy: 'ci' })).workflowId),
        (e: Error) => /rolled back at verify/.test(String(e.cause)),
      );
      assert.equal(fs.existsSync(path.join(dir('fresh'), 'current')), false);
      assert.equal(fs.existsSync(path.join(dir('fresh'), 'releases', commits.bad)), false);
      const [fresh] = await client.deploymentHistory({ target: 'fresh' });
      assert.equal(fresh?.status, 'rolled_back');
      assert.deepEqual(fresh?.rollback, { to: null, verified: true, environments: ['default'] });

      // Deploy hook: the platform still runs the failed commit, so it is not a verified rollback.
      await assert.rejects(
        result((await client.deployments.start({ target: 'hookfresh', ref: 'bad', startedBy: 'ci' })).workflowId),
        (e: Error) => /rollback failed at verify/.test(String(e.cause)),
      );
      const [hooked] = await client.deploymentHistory({ target: 'hookfresh' });
      assert.equal(hooked?.status, 'rollback_failed');
      assert.deepEqual(hooked?.rollback, { to: null, verified: false, environments: ['default'] });
    });
    assert.deepEqual(platform.calls.slice(calls), [commits.bad], 'the hook was called once, with the failed commit');
  });

  it("keeps a target's secrets (step and restart env and argv, hook URL and headers) out of the workflow history", async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      const { workflowId } = await client.deployments.start({ target: 'secret', ref: 'good', startedBy: 'ci' });
      assert.equal((await result(workflowId)).status, 'succeeded', 'the step saw its env, the hook was called');
      const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
      // Payloads are JSON in bytes: every byte field is decoded before searching.
      const texts: string[] = [];
      const collect = (v: unknown): void => {
        if (v instanceof Uint8Array) texts.push(Buffer.from(v).toString('utf8'));
        else if (typeof v === 'string') texts.push(v);
        else if (v && typeof v === 'object') Object.values(v).forEach(collect);
      };
      collect(history);
      const text = texts.join('\n');
      assert.ok(text.includes('production'), 'the history was decoded');
      assert.deepEqual(text.match(/s3cret[\w-]*/g) ?? [], []);
    });
  });

  it('heartbeats while it checks out a release, so a slow checkout is not taken for a lost worker', async () => {
    // A git that takes 2 s to clone a release, against a heartbeat timeout of 1 s.
    const bin = path.join(root, 'slow-git-bin');
    fs.mkdirSync(bin, { recursive: true });
    const realGit = (await exec('sh', ['-c', 'command -v git'])).stdout.trim();
    fs.writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh\ncase "$*" in *--no-checkout*) sleep 2;; esac\nexec ${realGit} "$@"\n`,
      { mode: 0o755 },
    );
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    try {
      const worker = await testWorker(stack.env, config, stack.store);
      await worker.runUntil(async () => {
        const done = await result(
          (await client.deployments.start({ target: 'slowgit', ref: 'good', startedBy: 'ci' })).workflowId,
        );
        assert.equal(done.status, 'succeeded');
        // One attempt: no heartbeat timeout, no second clone racing the first into the same directory.
        const events = (await client.temporal.workflow.getHandle('deploy/slowgit/good').fetchHistory()).events ?? [];
        const scheduled = events.find(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkoutRelease',
        );
        const started = events.find(
          (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
        );
        assert.equal(
          started?.activityTaskStartedEventAttributes?.attempt,
          1,
          started?.activityTaskStartedEventAttributes?.lastFailure?.message ?? '',
        );
      });
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(currentOf(dir('slowgit')), commits.good);
  });

  it('records a step whose program cannot be started, and an undo that fails', async () => {
    const worker = await testWorker(stack.env, config, stack.store);
    await worker.runUntil(async () => {
      await assert.rejects(
        result((await client.deployments.start({ target: 'unrunnable', ref: 'good', startedBy: 'ci' })).workflowId),
        (e: Error) => /failed at build: cannot run brainops-test-no-such-program/.test(String(e.cause)),
      );
    });
    const [record] = await client.deploymentHistory({ target: 'unrunnable' });
    assert.equal(record?.failedStep, 'build');
    const build = record?.steps?.find((s) => s.name === 'build');
    assert.equal(build?.status, 'failed');
    assert.match(build?.error ?? '', /cannot run brainops-test-no-such-program/);
    const undo = record?.steps?.find((s) => s.name === 'undo prep');
    assert.equal(undo?.status, 'failed');
    assert.equal(undo?.error, 'undo of prep exited with code 4: cannot undo prep');
  });

  it('rejects an invalid target at start-up, naming the field', async () => {
    const bad = JSON.stringify({
      web: {
        repository: repo,
        directory: 'relative/dir',
        steps: [{ name: 'build', argv: [] }],
        release: { kind: 'ftp' },
      },
    });
    assert.throws(
      () => loadConfig({ BRAINOPS_DEPLOY_TARGETS: bad }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /BRAINOPS_DEPLOY_TARGETS\.web\.directory: expected an absolute path/.test(e.message) &&
        /BRAINOPS_DEPLOY_TARGETS\.web\.steps\.0\.argv: expected at least the program to run/.test(e.message) &&
        /BRAINOPS_DEPLOY_TARGETS\.web\.release\.kind/.test(e.message),
    );
    const cli = await exec(process.execPath, [BIN, 'deploy', 'history', 'web'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BRAINOPS_DEPLOY_TARGETS: bad },
    }).then(
      () => assert.fail('the CLI accepted a bad target'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /BRAINOPS_DEPLOY_TARGETS\.web\.directory: expected an absolute path/);
    const limit = await exec(process.execPath, [BIN, 'deploy', 'history', 'web', '--limit', 'lots'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        BRAINOPS_DEPLOY_TARGETS: targetsJson,
        DATABASE_URL: stack.db.url,
      },
    }).then(
      () => assert.fail('the CLI accepted --limit lots'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(limit.code, 1);
    assert.match(limit.stderr, /option '--limit <n>' argument 'lots' is invalid\. expected a whole number/);
    await assert.rejects(
      client.deployments.start({ target: 'nope', ref: 'main' }),
      /target: "nope" is not a configured deployment target/,
    );
    await assert.rejects(
      client.deployments.start({ target: 'web', ref: '--upload-pack=evil' }),
      /ref: expected a git ref/,
    );
  });
});
