/**
 * `brainops`: every command is a client call (start, signal, update, query) or a memory-store
 * call, printing text for people or JSON with `--json`. Bad input or an unreachable server exits
 * non-zero with one clear line.
 */
import { Command, CommanderError } from 'commander';
import { BrainOpsError } from '../contracts/errors';
import { failureCause } from '../domain/failure-cause';
import { createCliContext, type CliContext } from './context';
import { registerDatabaseCommands } from './commands/database';
import { registerDeployCommands } from './commands/deploy';
import { registerErasureCommands } from './commands/erasure';
import { registerErrorCommands } from './commands/errors';
import { registerEndpointCommands } from './commands/endpoints';
import { registerLearningCommands } from './commands/learning';
import { registerMemoryCommands } from './commands/memory';
import { registerOperationCommands } from './commands/operations';
import { registerSessionCommands } from './commands/session';
import { registerProcedureCommands } from './commands/procedures';
import { registerApiCommands } from './commands/api';
import { registerHookCommands } from './commands/hook';

let context: CliContext | undefined;
const ctx = (): CliContext =>
  (context ??= createCliContext({
    quiet: !['start', 'worker', 'serve'].includes(process.argv[2] ?? ''),
    stderr: process.argv[2] === 'mcp',
  }));

function describeFailure(error: unknown): string {
  // By name: the configuration's module is loaded only by commands that run.
  if ((error as Error)?.name === 'ConfigError' || error instanceof BrainOpsError) return (error as Error).message;
  if (error instanceof Error) {
    // Temporal wraps an update's or a workflow's failure; the innermost cause says what went wrong.
    const root = failureCause(error);
    return root ? `${error.message}: ${root.message}` : error.message;
  }
  return String(error);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('brainops')
    .description('BrainOps: persistent memory and operations agents on Temporal and PostgreSQL')
    .showHelpAfterError()
    .exitOverride();
  registerOperationCommands(program, ctx);
  registerSessionCommands(program, ctx);
  registerMemoryCommands(program, ctx);
  registerErasureCommands(program, ctx);
  registerErrorCommands(program, ctx);
  registerEndpointCommands(program, ctx);
  registerDatabaseCommands(program, ctx);
  registerLearningCommands(program, ctx);
  registerDeployCommands(program, ctx);
  registerProcedureCommands(program, ctx);
  registerApiCommands(program, ctx);
  registerHookCommands(program);
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`brainops: ${describeFailure(error)}\n`);
    return 1;
  } finally {
    await context?.close();
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
