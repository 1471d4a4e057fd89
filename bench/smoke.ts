/**
 * `npm run smoke:bench`: every `npm run bench*` script once at its smoke size (seconds each), one
 * after another, so that none can rot unnoticed. It asserts nothing about the figures: a benchmark
 * fails the run only by failing (a non-zero exit, or running past `BENCH_SMOKE_TIMEOUT_S`, default
 * 300 s). `.ci/run` runs it after the tests. Arguments pick scripts by part of their name.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** Each benchmark script with the environment (and arguments) of its smoke size. */
export const SMOKE_SIZES: { script: string; env: Record<string, string>; args?: string[] }[] = [
  { script: 'bench', env: { BENCH_ENTRIES: '2000', BENCH_OPS: '50' } },
  { script: 'bench:sessions', env: { BENCH_SMOKE: '1' } },
  { script: 'bench:errors', env: { BENCH_ERRORS: '5', BENCH_RATE: '5', BENCH_CONCURRENCY: '2' } },
  { script: 'bench:learning', env: { BENCH_ENTRIES: '2000', BENCH_WORK: '500' } },
  // The LoCoMo conversations live beside the repository; a clone alone has this small one.
  { script: 'bench:recall', env: { BENCH_LAG_SECONDS: '2' }, args: ['bench/fixtures/recall-smoke'] },
  { script: 'bench:similar', env: {} },
  {
    script: 'bench:api',
    env: {
      BENCH_SECONDS: '1',
      BENCH_WARMUP_SECONDS: '1',
      BENCH_API_ENTRIES: '500',
      BENCH_ROUNDS: '20',
      BENCH_MCP_CALLS: '20',
    },
  },
  { script: 'bench:console', env: { BENCH_ENTRIES: '5000', BENCH_ROUNDS: '5' } },
  {
    script: 'bench:search',
    env: { BENCH_DOCS: '200', BENCH_QUERIES: '20', BENCH_LOCOMO: 'bench/fixtures/recall-smoke' },
  },
  { script: 'bench:cli', env: { BENCH_RUNS: '2', BENCH_ENTRIES: '50' } },
  { script: 'bench:hook', env: { BENCH_RUNS: '2' } },
  {
    script: 'bench:capture',
    env: { BENCH_SECONDS: '1', BENCH_WARMUP_SECONDS: '1', BENCH_ERROR_SPANS: '5', BENCH_SERVICES: '2' },
  },
  { script: 'bench:erasure', env: { BENCH_ENTRIES: '2000', BENCH_USER_ENTRIES: '200', BENCH_SESSIONS: '5' } },
];

/** Runs `npm run <script>` at its smoke size; resolves its exit code (1 when it ran too long). */
function runOne(smoke: (typeof SMOKE_SIZES)[number], timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', smoke.script, ...(smoke.args ? ['--', ...smoke.args] : [])], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, ...smoke.env },
      stdio: 'inherit',
      detached: true,
    });
    const timer = setTimeout(() => {
      process.stderr.write(`smoke:bench: ${smoke.script} ran past ${timeoutMs / 1000} s; stopping it\n`);
      // The whole process group: npm, tsx and the servers the benchmark started.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}

async function main(): Promise<number> {
  const timeoutMs = Number(process.env.BENCH_SMOKE_TIMEOUT_S ?? 300) * 1000;
  const picked = process.argv.slice(2);
  const chosen = picked.length ? SMOKE_SIZES.filter((s) => picked.some((p) => s.script.includes(p))) : SMOKE_SIZES;
  const results: [string, number, number][] = [];
  for (const smoke of chosen) {
    const sizes = Object.entries(smoke.env).map(([k, v]) => `${k}=${v}`);
    process.stdout.write(`\n=== smoke: ${[...sizes, 'npm run', smoke.script, ...(smoke.args ?? [])].join(' ')}\n`);
    const start = performance.now();
    const code = await runOne(smoke, timeoutMs);
    results.push([smoke.script, code, (performance.now() - start) / 1000]);
  }
  process.stdout.write('\nsmoke sizes of the benchmarks:\n');
  for (const [script, code, seconds] of results)
    process.stdout.write(`  ${code === 0 ? 'ok    ' : 'FAILED'} ${script.padEnd(16)} ${seconds.toFixed(1)} s\n`);
  return results.some(([, code]) => code !== 0) ? 1 : 0;
}

if (require.main === module) void main().then((code) => process.exit(code));
