/**
 * CLI start-up benchmark (`npm run bench:cli`): the wall time of a `brainops` command, as an agent
 * or a script calling it in a loop sees it, beside the floor of `node -e 0` measured in the same run.
 * Each of BENCH_RUNS (default 10) rounds runs, one after another:
 *   (a) `node -e 0`, the floor: Node's own start-up;
 *   (b) `brainops --help`;
 *   (c) `brainops memory search <query> --tenant bench` against a database of BENCH_ENTRIES (default
 *       1,000) entries (the search the CLI's users run most; it needs PostgreSQL only).
 * The command is `bin/brainops.cjs`, which runs the compiled dist/ when it is newer than the
 * sources (`npm run build`; the report says which ran). Smoke size: `BENCH_RUNS=2 BENCH_ENTRIES=50`.
 *
 * PostgreSQL: a throwaway embedded server on 127.0.0.1:54430, or with DATABASE_URL the scratch
 * database `brainops_bench` on that server (dropped and recreated).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MemoryStore, memoryInput, migrate } from '../src/memory';
import {
  createBenchLogger,
  envInt,
  heading,
  LATENCY_HEADERS,
  latencyCells,
  machineLine,
  mapLimit,
  now,
  printFacts,
  printTable,
  runBench,
  cliRunFacts,
  startBenchDatabase,
  summarize,
} from './lib';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/brainops.cjs');
const logger = createBenchLogger('bench:cli');

/** The wall time (ms) of one run of `args` under node, failing on a non-zero exit. */
async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = now();
  await run(process.execPath, args, { env, cwd: ROOT, timeout: 60_000 });
  return now() - start;
}

async function main() {
  const runs = envInt('BENCH_RUNS', 10);
  const entries = envInt('BENCH_ENTRIES', 1_000);
  const db = await startBenchDatabase({ port: 54430, database: 'bench', logger });
  try {
    await migrate({ databaseUrl: db.url, logger });
    const store = await MemoryStore.connect({ databaseUrl: db.url, logger });
    try {
      await mapLimit(
        Array.from({ length: entries }, (_, i) => i),
        8,
        (i) =>
          store.entries.store(
            memoryInput.store({
              key: `runbook/${i}`,
              memoryType: 'knowledge',
              scope: 'tenant',
              tenantId: 'bench',
              title: `Runbook ${i}`,
              content: `How to fail over database ${i % 50} when replica lag exceeds ${i % 7} seconds`,
            }),
          ),
      );
    } finally {
      await store.close();
    }
    const env = { ...process.env, DATABASE_URL: db.url, BRAINOPS_LOG_LEVEL: 'warn' };
    const commands: [string, string[]][] = [
      ['node -e 0 (floor)', ['-e', '0']],
      ['brainops --help', [BIN, '--help']],
      ['brainops memory search', [BIN, 'memory', 'search', 'how do we fail over the database', '--tenant', 'bench']],
    ];
    const samples = commands.map(() => [] as number[]);
    // Interleaved, so a change of load on the machine touches every command alike.
    for (let round = 0; round < runs; round++)
      for (const [i, [, args]] of commands.entries()) samples[i]!.push(await timed(args, env));

    heading('CLI start-up (wall time per command, one after another)');
    printFacts([
      ['machine', machineLine()],
      ['database', db.description],
      ['runs', `${runs} of each, interleaved; ${entries} entries in tenant "bench"`],
      ...cliRunFacts(ROOT),
    ]);
    const floor = summarize(samples[0]!).p50;
    printTable(
      ['command', ...LATENCY_HEADERS, '× floor p50'],
      commands.map(([name], i) => {
        const s = summarize(samples[i]!);
        return [name, ...latencyCells(s), (s.p50 / floor).toFixed(1)];
      }),
    );
  } finally {
    await db.stop();
  }
}

runBench(main, logger);
