/**
 * `brainops hook claude-code`: the command Claude Code runs for its hooks (docs/claude-code.md).
 * It loads only its own small modules (no configuration schema, no database, no Temporal), as it
 * runs for every prompt and every tool call.
 */
import type { Command } from 'commander';

export function registerHookCommands(program: Command): void {
  program
    .command('hook')
    .description('hooks of AI tools that record their sessions in BrainOps')
    .command('claude-code')
    .description(
      'one Claude Code hook event on stdin (SessionStart, UserPromptSubmit, Stop, PostToolUse, PreCompact, SessionEnd), sent to the HTTP API at BRAINOPS_API_URL with BRAINOPS_API_KEY; always exits 0 within 1 s, logging to BRAINOPS_HOOK_LOG',
    )
    .action(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by the command that runs it
      const { runClaudeCodeHook } = require('../claude-code/hook') as typeof import('../claude-code/hook');
      await runClaudeCodeHook();
    });
}
