/**
 * `brainops hook claude-code` as Claude Code runs it: `bin/brainops.cjs` in a child process, one
 * event JSON on stdin, against a running API server (real Temporal, real PostgreSQL), with a
 * transcript file in Claude Code's JSONL format. Every event type: the SessionStart brief, prompts
 * and replies stored once however often an event comes, tool calls in work history redacted and
 * bounded, the compaction snapshot, the end; and a hook that gives up silently (exit 0, nothing on
 * stdout, a log line) when the server is down or never answers, the key is wrong or the input bad.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read JSON answers field by field */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKeyStore } from '../src/memory';
import { hookSettings } from '../src/cli/claude-code/settings';
import { TOOL_JSON_BYTES } from '../src/cli/claude-code/bounded';
import { LOG_MAX_BYTES } from '../src/cli/claude-code/log';
import { loadConfig } from '../temporal.config';
import { BIN } from './cli-helper';
import { isBuildFresh } from '../bin/build-stamp.cjs';
import { closedLoopbackPort, useTestApiServer } from './helpers';

const ROOT = path.join(__dirname, '..');

/** Builds dist/ when bin/brainops.cjs would not run it (its stamp older than a source), as `npm install` does. */
function ensureBuilt(): void {
  if (isBuildFresh(ROOT)) return;
  const built = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'build.cjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, `npm run build: ${built.stdout}${built.stderr}`);
}

/** What one hook run did: exit code, stdout, wall time (ms) and the log lines it added. */
interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  log: string[];
}

/** A transcript entry as Claude Code writes it (one JSON object per line). */
function entry(type: 'user' | 'assistant', uuid: string, content: unknown, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: '/work/zebra',
    sessionId: 'c0ffee00-0000-4000-8000-000000000001',
    version: '1.0.0',
    type,
    message: type === 'user' ? { role: 'user', content } : { id: `msg_${uuid}`, role: 'assistant', content },
    uuid,
    timestamp: new Date().toISOString(),
    ...extra,
  });
}

describe('brainops hook claude-code (running API server, real Temporal and PostgreSQL)', () => {
  const served = useTestApiServer();
  const { stack } = served;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-hook-'));
  const logFile = path.join(dir, 'logs', 'hook.log');
  const transcript = path.join(dir, 'transcript.jsonl');
  let writerKey = '';
  let readerKey = '';

  before(async () => {
    ensureBuilt();
    const keys = new ApiKeyStore(stack.store.pool);
    writerKey = (await keys.create({ tenantId: 'acme', role: 'writer', name: 'claude code' })).key;
    readerKey = (await keys.create({ tenantId: 'acme', role: 'reader' })).key;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const logLines = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []);

  /**
   * Runs the hook with `input` on stdin (an object is sent as JSON). The functional runs get 20 s
   * (`BRAINOPS_HOOK_TIMEOUT`), as a loaded test machine may need; the give-up runs pass their own.
   */
  function hook(input: unknown, env: NodeJS.ProcessEnv = {}): Promise<HookRun> {
    const before = logLines().length;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'hook', 'claude-code'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          BRAINOPS_API_URL: served.server.url,
          BRAINOPS_API_KEY: writerKey,
          BRAINOPS_HOOK_LOG: logFile,
          BRAINOPS_HOOK_TIMEOUT: '20s',
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ code, stdout, stderr, ms: performance.now() - started, log: logLines().slice(before) }),
      );
      child.stdin.on('error', () => undefined); // a hook that gave up may close stdin first
      child.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
    });
  }

  /** Asserts a run exited 0, printed nothing and logged one line matching `outcome`. */
  function assertQuiet(run: HookRun, outcome: RegExp) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '', 'nothing on stdout');
    assert.equal(run.log.length, 1, `one log line: ${run.log.join(' | ')}`);
    assert.match(run.log[0]!, outcome);
  }

  async function api(method: string, url: string, body?: unknown, key = writerKey): Promise<any> {
    const response = await fetch(`${served.server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json();
    assert.equal(response.status, 200, `${method} ${url}: ${JSON.stringify(answer)}`);
    return answer;
  }

  const claudeId = 'c0ffee00-0000-4000-8000-000000000001';
  const sessionId = `claude-code:${claudeId}`;
  const base = { session_id: claudeId, transcript_path: transcript, cwd: '/work/zebra' };
  const messages = () => stack.store.sessions.listMessages({ tenantId: 'acme', sessionId });

  it('SessionStart starts the session and gives Claude Code the brief: the context and a task stored earlier', async () => {
    // An earlier session of the tenant: a task left open and a snapshot with what to do next.
    await api('POST', '/memory/session/start', { session_id: 'earlier', agent_id: 'claude-code' });
    await api('POST', '/memory/session/task/add', {
      session_id: 'earlier',
      title: 'Rotate the zebra TLS certificates',
      priority: 'high',
    });
    await api('POST', '/memory/session/handoff', {
      session_id: 'earlier',
      to_agent: 'claude-code',
      handoff_reason: 'end of the day',
      continuation_instructions: 'Next: run the zebra schema migration',
    });

    const run = await hook({ ...base, hook_event_name: 'SessionStart', source: 'startup' });
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(output), ['hookSpecificOutput']);
    assert.equal(output.hookSpecificOutput.hookEventName, 'SessionStart');
    const context: string = output.hookSpecificOutput.additionalContext;
    assert.match(context, /Rotate the zebra TLS certificates/);
    assert.match(context, /Next: run the zebra schema migration/);
    assert.match(context, /## System status/);
    assert.match(context, /## Recent errors/);
    assert.match(context, new RegExp(sessionId));
    assert.match(run.log[0]!, /SessionStart claude-code:c0ffee00-.* ok: brief/);

    const live = await api('GET', `/memory/session/context/${encodeURIComponent(sessionId)}`, undefined, readerKey);
    assert.equal(live.context.status, 'active');
  });

  it('UserPromptSubmit stores a prompt once, however often the event comes; the same words later are a new message', async () => {
    fs.writeFileSync(transcript, `${entry('user', 'u1', 'Why does the zebra build fail?')}\n`);
    const prompt = { ...base, hook_event_name: 'UserPromptSubmit', prompt: 'Why does the zebra build fail?' };
    const first = await hook(prompt);
    assertQuiet(first, /UserPromptSubmit .* ok: prompt stored seq 1/);
    assertQuiet(await hook(prompt), /ok: prompt duplicate seq 1/);
    let stored = await messages();
    assert.deepEqual(
      stored.map((m) => [m.role, m.content]),
      [['user', 'Why does the zebra build fail?']],
    );
    assert.match(stored[0]!.messageId!, /^claude-code:prompt:[0-9a-f]{40}$/);

    // The conversation moved on (the transcript grew): the same words are a new prompt.
    fs.appendFileSync(transcript, `${entry('assistant', 'a0', [{ type: 'text', text: 'Let me look.' }])}\n`);
    await hook(prompt);
    stored = await messages();
    assert.equal(stored.filter((m) => m.role === 'user').length, 2);
  });

  it('Stop stores the replies of the turn from the transcript once each, keyed by their uuid', async () => {
    fs.writeFileSync(
      transcript,
      [
        entry('user', 'u1', 'Why does the zebra build fail?'),
        entry('assistant', 'a0', [{ type: 'text', text: 'Let me look.' }]),
        entry('user', 'u2', 'Fix it please'),
        entry('assistant', 'a1', [
          { type: 'text', text: 'Running the tests first.' },
          { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'npm test' } },
        ]),
        entry('user', 'u3', [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '1 failing' }]),
        entry('assistant', 'a-side', [{ type: 'text', text: 'a side chain' }], { isSidechain: true }),
        entry('assistant', 'a2', [{ type: 'text', text: 'Fixed: the zebra build passes now.' }]),
        '{"type":"assistant","uuid":"half-writ', // a line being written
      ].join('\n'),
    );
    const stop = { ...base, hook_event_name: 'Stop', stop_hook_active: false };
    const before = (await messages()).length;
    assertQuiet(await hook(stop), /Stop .* ok: 3 replies/);
    assertQuiet(await hook(stop), /ok: 3 replies: duplicate seq \d+, duplicate seq \d+, duplicate seq \d+/);
    const replies = (await messages()).slice(before);
    assert.deepEqual(
      replies.map((m) => [m.role, m.content, m.messageId]),
      [
        ['assistant', 'Let me look.', 'claude-code:a0'],
        ['assistant', 'Running the tests first.', 'claude-code:a1'],
        ['assistant', 'Fixed: the zebra build passes now.', 'claude-code:a2'],
      ],
    );
  });

  it('PostToolUse records the tool call in work history, once, with secrets redacted and a large response bounded', async () => {
    const call = {
      ...base,
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_use_id: 'toolu_01',
      tool_input: {
        command: 'psql postgres://app:hunter2hunter2@db.internal/zebra -c "select 1" && export API_KEY=sk-live-123456',
        description: 'query the zebra database',
      },
      tool_response: {
        stdout: `connected with ${'tok-zebra-0123456789'}\n${'x'.repeat(50_000)}`,
        stderr: '',
        interrupted: false,
      },
    };
    const env = { ZEBRA_SERVICE_TOKEN: 'tok-zebra-0123456789' };
    assertQuiet(await hook(call, env), /PostToolUse .* ok: tool call Bash recorded/);
    assertQuiet(await hook(call, env), /ok: tool call Bash recorded/);
    const rows = (await stack.store.workHistory.list({ tenantId: 'acme', agentId: 'claude-code' })).filter(
      (r) => r.sessionId === sessionId,
    );
    assert.equal(rows.length, 1, 'the same call twice is one row');
    const row = rows[0]!;
    assert.equal(row.action, 'Bash');
    assert.equal(row.success, true);
    assert.equal(row.activityId, 'toolu_01');
    assert.equal(row.workflowId, `session/acme/${sessionId}`);
    const text = JSON.stringify([row.input, row.output]);
    for (const secret of ['hunter2hunter2', 'sk-live-123456', 'tok-zebra-0123456789'])
      assert.ok(!text.includes(secret), `${secret} is redacted: ${text.slice(0, 300)}`);
    assert.match(JSON.stringify(row.input), /\[redacted\]/);
    assert.equal((row.input as any).description, 'query the zebra database');
    assert.ok(Buffer.byteLength(JSON.stringify(row.output)) <= TOOL_JSON_BYTES, 'the response is bounded');
    assert.equal((row.output as any).truncated, true);
    assert.ok((row.output as any).bytes > 50_000);
    assert.match((row.output as any).preview, /connected with \[redacted\]/);

    // A failed call (PostToolUseFailure) is a failure in work history.
    const failed = {
      ...base,
      hook_event_name: 'PostToolUseFailure',
      tool_name: 'Read',
      tool_use_id: 'toolu_02',
      tool_input: { file_path: '/work/zebra/missing.ts' },
      error: 'File does not exist.',
    };
    assertQuiet(await hook(failed), /ok: tool call Read recorded/);
    const read = (await stack.store.workHistory.list({ tenantId: 'acme', agentId: 'claude-code' })).find(
      (r) => r.activityId === 'toolu_02',
    );
    assert.equal(read?.success, false);
    assert.equal(read?.error, 'File does not exist.');
  });

  it('PreCompact stores a context snapshot that the brief after compaction carries', async () => {
    const compact = {
      ...base,
      hook_event_name: 'PreCompact',
      trigger: 'manual',
      custom_instructions: 'Keep the zebra migration plan',
    };
    assertQuiet(await hook(compact), /PreCompact .* ok: snapshot handoff-/);
    const [row] = (await stack.store.sessions.list({ tenantId: 'acme', limit: 10 })).filter(
      (s) => s.sessionId === sessionId,
    );
    const snapshot = row!.contextSnapshot as any;
    assert.equal(snapshot.continuationInstructions, 'Keep the zebra migration plan');
    assert.deepEqual(snapshot.criticalFacts, { cwd: '/work/zebra', compacted: 'manual' });
    assert.equal(snapshot.messageCount, 5, 'the conversation so far: 2 prompts, 3 replies');

    const start = await hook({ ...base, hook_event_name: 'SessionStart', source: 'compact' });
    const context: string = JSON.parse(start.stdout).hookSpecificOutput.additionalContext;
    assert.match(context, new RegExp(`Session \`${sessionId}\``));
    assert.match(context, /Keep the zebra migration plan/);
    // What was said last, from the snapshot.
    assert.match(context, /- Latest messages:\n(  - .*\n)*  - assistant: Fixed: the zebra build passes now\.\n/);
  });

  it('SessionEnd ends the session; a prompt after it (claude --resume) continues it', async () => {
    assertQuiet(
      await hook({ ...base, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' }),
      /SessionEnd .* ok: ended \(prompt_input_exit\), \d+ messages/,
    );
    const again = await hook({ ...base, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' });
    assertQuiet(again, /SessionEnd .* ok: /);
    let [row] = (await stack.store.sessions.list({ tenantId: 'acme', limit: 10 })).filter(
      (s) => s.sessionId === sessionId,
    );
    assert.equal(row!.status, 'ended');
    const count = (await messages()).length;

    fs.appendFileSync(transcript, `\n${entry('user', 'u9', 'one more thing')}\n`);
    assertQuiet(
      await hook({ ...base, hook_event_name: 'UserPromptSubmit', prompt: 'one more thing' }),
      /ok: prompt stored/,
    );
    [row] = (await stack.store.sessions.list({ tenantId: 'acme', limit: 10 })).filter((s) => s.sessionId === sessionId);
    assert.equal(row!.status, 'active');
    assert.equal((await messages()).length, count + 1);
  });

  it('gives up silently: server down, a server that never answers, a wrong or missing key, bad input', async () => {
    const prompt = { ...base, session_id: 'gave-up', hook_event_name: 'UserPromptSubmit', prompt: 'hello' };
    const down = `http://127.0.0.1:${await closedLoopbackPort()}`;
    assertQuiet(
      await hook(prompt, { BRAINOPS_API_URL: down, BRAINOPS_HOOK_TIMEOUT: '' }),
      /UserPromptSubmit claude-code:gave-up .*gave up: POST \/memory\/session\/message: ECONNREFUSED/,
    );

    // Accepts the connection, never answers: the hook's time (1 s by default) ends it.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const start = await hook(
        { ...base, session_id: 'gave-up', hook_event_name: 'SessionStart', source: 'startup' },
        { BRAINOPS_API_URL: `http://127.0.0.1:${port}`, BRAINOPS_HOOK_TIMEOUT: '' },
      );
      assertQuiet(start, /SessionStart .*gave up: brief: .*no answer in time/);
      // Far below the 60 s Claude Code would wait for a hook: it did not hang.
      assert.ok(start.ms < 5_000, `gave up after ${start.ms.toFixed(0)} ms`);
    } finally {
      silent.close();
    }

    assertQuiet(
      await hook({ ...prompt, hook_event_name: 'SessionStart' }, { BRAINOPS_API_KEY: `bo_${'A'.repeat(43)}` }),
      /gave up: brief: GET \/memory\/session\/brief\?format=markdown: 401/,
    );
    assertQuiet(await hook(prompt, { BRAINOPS_API_KEY: readerKey }), /gave up: .*403/);
    assertQuiet(await hook(prompt, { BRAINOPS_API_KEY: '' }), /gave up: BRAINOPS_API_KEY is not set/);
    assertQuiet(await hook('{"hook_event_name": "UserPromptSubm'), /- - .*gave up: not JSON/);
    assertQuiet(await hook({ ...base, hook_event_name: 'Notification' }), /gave up: event "Notification" is not one/);
    assertQuiet(await hook({ hook_event_name: 'Stop' }), /gave up: no session_id/);
    assertQuiet(await hook(prompt, { BRAINOPS_API_URL: 'ftp://example' }), /gave up: BRAINOPS_API_URL: expected/);

    // A log above 1 MB is moved aside first; the hook creates the log's folder.
    const rotated = path.join(dir, 'rotated', 'hook.log');
    fs.mkdirSync(path.dirname(rotated), { recursive: true });
    fs.writeFileSync(rotated, 'x'.repeat(LOG_MAX_BYTES + 1));
    const bad = await hook('not json', { BRAINOPS_HOOK_LOG: rotated });
    assert.equal(bad.code, 0);
    assert.equal(fs.statSync(`${rotated}.1`).size, LOG_MAX_BYTES + 1);
    assert.match(fs.readFileSync(rotated, 'utf8'), /^\S+ - - \d+ms gave up: not JSON .*\n$/);

    assert.equal(
      (await stack.store.sessions.list({ tenantId: 'acme', limit: 50 })).filter((s) => s.sessionId.includes('gave-up'))
        .length,
      0,
      'nothing was stored for the failed runs',
    );
  });

  it('reads its settings as temporal.config.ts resolves them, without loading it', () => {
    const envs: NodeJS.ProcessEnv[] = [
      { HOME: os.homedir() },
      {
        BRAINOPS_API_URL: 'https://brainops.example.com:8443/',
        BRAINOPS_API_KEY: 'bo_key',
        BRAINOPS_HOOK_LOG: 'relative/hook.log',
        BRAINOPS_HOOK_TIMEOUT: '2500ms',
      },
      { BRAINOPS_API_PORT: '9100', BRAINOPS_HOOK_TIMEOUT: '3s', BRAINOPS_API_URL: '' },
    ];
    for (const env of envs) {
      const config = loadConfig(env);
      assert.deepEqual(hookSettings(env), {
        apiUrl: config.api.url,
        apiKey: config.api.key,
        logFile: config.hook.logFile,
        timeoutMs: config.hook.timeoutMs,
      });
    }
    assert.throws(() => hookSettings({ BRAINOPS_HOOK_TIMEOUT: 'soon' }), /BRAINOPS_HOOK_TIMEOUT/);
    assert.throws(() => loadConfig({ BRAINOPS_HOOK_TIMEOUT: 'soon' }), /BRAINOPS_HOOK_TIMEOUT/);
  });
});
