/**
 * Claude Code hook benchmark (`npm run bench:hook`): the wall time of `brainops hook claude-code`
 * per event type, as Claude Code waits for it (process start to exit), against a running API
 * server, beside the floor of `node -e ''` measured in the same run. Each of BENCH_RUNS (default
 * 30) rounds is one Claude Code session, one process after another: the floor, then SessionStart,
 * UserPromptSubmit, PostToolUse, Stop (two replies in the transcript), PreCompact and SessionEnd.
 * A hook that gave up (its log line says so) is counted apart: it is fast but did nothing.
 * Target: p95 < 300 ms per event. Smoke size: `BENCH_RUNS=2`.
 *
 * The stack: a bench database on 127.0.0.1:54431 (or the scratch database of DATABASE_URL), a
 * Temporal dev server on 7431, the worker and the HTTP API server in this process (loopback, the
 * per-key rate limit off). The hook runs `bin/brainops.cjs`: the compiled dist/ when it is fresh
 * (`npm run build`; the report says which ran), with its default time budget (1 s).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import { serveApi } from '../src/stack/api-server';
import {
  createBenchLogger,
  envInt,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  now,
  printFacts,
  printTable,
  runBench,
  cliRunFacts,
  summarize,
} from './lib';
import { withBenchStack } from './stack';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/brainops.cjs');
const logger = createBenchLogger('bench:hook');

/** Runs `args` under node with `stdin`; its wall time (ms). @throws Error on a non-zero exit. */
function timed(args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<number> {
  const start = now();
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { env, cwd: ROOT, timeout: 60_000 }, (error) =>
      error ? reject(error) : resolve(now() - start),
    );
    child.stdin!.end(stdin);
  });
}

/** A transcript entry as Claude Code writes it. */
function entry(type: 'user' | 'assistant', uuid: string, content: unknown): string {
  return JSON.stringify({ type, uuid, isSidechain: false, message: { role: type, content } });
}

async function main() {
  const runs = envInt('BENCH_RUNS', 30);
  const base = loadConfig();
  const config: BrainOpsConfig = {
    ...base,
    api: { ...base.api, host: '127.0.0.1', rateLimitPerMinute: 0 },
    temporal: { ...base.temporal, namespace: 'default', taskQueue: 'bench-hook' },
    embeddings: { ...base.embeddings, provider: 'off' },
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-bench-hook-'));
  try {
    await withBenchStack(
      { config, dbPort: 54431, temporalPort: 7431, logger },
      async ({ db, store, client, worker }) => {
        const key = (await store.apiKeys.create({ tenantId: 'bench', role: 'writer', name: 'bench hook' })).key;
        const server = await serveApi({ config, logger, store, client }, 0);
        const logFile = path.join(dir, 'hook.log');
        const env = {
          PATH: process.env.PATH,
          HOME: dir,
          BRAINOPS_API_URL: server.url,
          BRAINOPS_API_KEY: key,
          BRAINOPS_HOOK_LOG: logFile,
        };
        const names = ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'PreCompact', 'SessionEnd'] as const;
        const samples = new Map<string, number[]>([
          ['node -e (floor)', []],
          ...names.map((n) => [n, []] as [string, number[]]),
        ]);
        await worker.runUntil(async () => {
          try {
            for (let round = 0; round < runs; round++) {
              const sessionId = `bench-${round}-${process.pid}`;
              const transcript = path.join(dir, `${sessionId}.jsonl`);
              const common = { session_id: sessionId, transcript_path: transcript, cwd: ROOT };
              fs.writeFileSync(transcript, `${entry('user', `u-${round}`, 'Why does the build fail?')}\n`);
              const events: Record<(typeof names)[number], Record<string, unknown>> = {
                SessionStart: { ...common, hook_event_name: 'SessionStart', source: 'startup' },
                UserPromptSubmit: {
                  ...common,
                  hook_event_name: 'UserPromptSubmit',
                  prompt: 'Why does the build fail?',
                },
                PostToolUse: {
                  ...common,
                  hook_event_name: 'PostToolUse',
                  tool_name: 'Bash',
                  tool_use_id: `toolu_${round}`,
                  tool_input: { command: 'npm test', description: 'run the tests' },
                  tool_response: { stdout: 'ok '.repeat(3000), stderr: '', interrupted: false },
                },
                Stop: { ...common, hook_event_name: 'Stop', stop_hook_active: false },
                PreCompact: { ...common, hook_event_name: 'PreCompact', trigger: 'auto', custom_instructions: '' },
                SessionEnd: { ...common, hook_event_name: 'SessionEnd', reason: 'other' },
              };
              samples.get('node -e (floor)')!.push(await timed(['-e', ''], env, ''));
              for (const name of names) {
                if (name === 'Stop')
                  fs.appendFileSync(
                    transcript,
                    `${entry('assistant', `a-${round}-1`, [{ type: 'text', text: 'Running the tests.' }])}\n${entry('assistant', `a-${round}-2`, [{ type: 'text', text: 'The build passes now.' }])}\n`,
                  );
                samples.get(name)!.push(await timed([BIN, 'hook', 'claude-code'], env, JSON.stringify(events[name])));
              }
            }
          } finally {
            await server.close();
          }
        });

        const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
        const gaveUp = (name: string) =>
          lines.filter((l) => l.includes(` ${name} `) && / gave up| partly/.test(l)).length;
        const stored = await store.pool.query<{ n: number }>(
          `select count(*)::int as n from session_messages where tenant_id = 'bench'`,
        );
        heading('Claude Code hook (wall time per hook call, process start to exit)');
        printFacts([
          ['machine', machineLine()],
          ['database', db.description],
          ['runs', `${runs} Claude Code sessions, one process after another, the floor first in each`],
          ...cliRunFacts(ROOT),
          ['messages stored', `${stored.rows[0]!.n} (expected ${runs * 3}: a prompt and two replies per session)`],
        ]);
        const floor = summarize(samples.get('node -e (floor)')!).p50;
        printTable(
          ['command', ...LATENCY_HEADERS, '× floor p50', 'gave up'],
          [...samples].map(([name, values]) => {
            const s = summarize(values);
            return [
              name,
              ...latencyCells(s),
              (s.p50 / floor).toFixed(1),
              name.startsWith('node') ? '' : String(gaveUp(name)),
            ];
          }),
        );
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main, logger);
