/**
 * Runs the `brainops` command as a person runs it (`bin/brainops.cjs` in a child process) against
 * a test file's stack: a worker on the file's task queue, and an environment naming the test
 * server and database. Shared by the CLI tests.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import type { BrainOpsConfig } from '../temporal.config';
import { testConfig, testWorker, type useTestStack } from './helpers';

const run = promisify(execFile);

/** The CLI's entry point. */
export const BIN = path.join(__dirname, '..', 'bin', 'brainops.cjs');

/** What a run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Registers hooks that run a worker for the file and build the CLI's environment; `cli(args)`
 * runs one command (never throws: a failure is its exit code and output).
 */
export function useCli(stack: ReturnType<typeof useTestStack>, extraEnv: NodeJS.ProcessEnv = {}) {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const cli = {
    env: {} as NodeJS.ProcessEnv,
    config: undefined as unknown as BrainOpsConfig,
    async run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
      try {
        const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
          env: { ...cli.env, ...env },
          timeout: 60_000,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    /** Runs one command and returns its output. @throws Error with its stderr when it exits non-zero. */
    async stdout(...args: string[]): Promise<string> {
      const result = await cli.run(args);
      if (result.code !== 0) throw new Error(`brainops ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    },
  };
  before(async () => {
    cli.config = testConfig(stack.db.url);
    worker = await testWorker(stack.env, cli.config, stack.store);
    running = worker.run();
    cli.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: cli.config.temporal.taskQueue,
      DATABASE_URL: stack.db.url,
      ...extraEnv,
    };
  });
  after(async () => {
    worker?.shutdown();
    await running;
  });
  return cli;
}
