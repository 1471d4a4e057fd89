import type { Command } from 'commander';
import type { CliContext } from '../context';
import { jsonObjectOption } from '../options';
import { printJson, printLines, printTable } from '../output';
import type { ContextSnapshot, SessionContext } from '../../contracts/session';

type Ref = { tenant: string; session: string; json?: boolean };
const ref = (o: Ref) => ({ tenantId: o.tenant, sessionId: o.session });

function withRef(cmd: Command): Command {
  return cmd
    .requiredOption('-t, --tenant <id>', 'tenant id')
    .requiredOption('-s, --session <id>', 'session id')
    .option('--json', 'print JSON');
}

function printSnapshot(snapshot: ContextSnapshot): void {
  printLines(
    `Summary:      ${snapshot.conversationSummary}`,
    `Agent:        ${snapshot.currentAgent ?? '-'}`,
    `Open tasks:   ${snapshot.pendingTasks.map((t) => `${t.title} (${t.taskId})`).join('; ') || 'none'}`,
    `Facts:        ${JSON.stringify(snapshot.criticalFacts)}`,
    ...(snapshot.continuationInstructions ? [`Continue with: ${snapshot.continuationInstructions}`] : []),
  );
}

function printContext(c: SessionContext): void {
  printLines(
    `Session ${c.tenantId}/${c.sessionId} — ${c.status}, ${c.durationSeconds} s, ${c.conversation.summary}`,
    `Agents: current ${c.agents.current ?? '-'}, ${c.agents.handoffCount} handoff(s); facts ${JSON.stringify(c.memory.criticalFacts)}`,
    '',
  );
  printTable(
    c.conversation.recentMessages.map((m) => ({
      seq: m.seq,
      role: m.role,
      at: m.createdAt,
      content: m.content.slice(0, 80),
    })),
    ['seq', 'role', 'at', 'content'],
  );
  printLines('', `Open tasks (${c.tasks.pending.length}), completion rate ${c.tasks.completionRate ?? '-'}`);
  if (c.tasks.pending.length)
    printTable(
      c.tasks.pending.map((t) => ({ ...t })),
      ['taskId', 'title', 'priority', 'createdAt'],
    );
}

export function registerSessionCommands(program: Command, ctx: () => CliContext): void {
  const session = program
    .command('session')
    .description('ContextKeeper sessions: start, message, task, handoff, context, end');

  withRef(session.command('start').description('start a session, or resume an existing one'))
    .option('-u, --user <id>', 'user id')
    .option('-a, --agent <id>', 'agent handling the session')
    .option('--title <text>', 'title shown in the Web UI')
    .action(async (o: Ref & { user?: string; agent?: string; title?: string }) => {
      const started = await (
        await ctx().client()
      ).startSession({ ...ref(o), userId: o.user, agentId: o.agent, title: o.title });
      if (o.json) printJson(started);
      else printLines(`Session ${o.tenant}/${o.session} is running as workflow ${started.workflowId}`);
    });

  withRef(session.command('message').description('add a message (starts the session if needed)'))
    .argument('<content>', 'message text')
    .option('-r, --role <role>', 'user | assistant | system | agent | tool', 'user')
    .option('-a, --agent <id>', 'agent that wrote it')
    .option('--id <messageId>', 'idempotency key: the same id is stored once')
    .option('--confirm', 'store it in the database now and print its seq (the session must be running)')
    .action(async (content: string, o: Ref & { role: string; agent?: string; id?: string; confirm?: boolean }) => {
      const message = { role: o.role as 'user', content, agentId: o.agent, messageId: o.id };
      if (o.confirm) {
        // Messages are data: the API operation writes it straight to the database.
        const result = await ctx().call((api) => api.sessions.message, { ...ref(o), ...message });
        if (o.json) return printJson(result);
        return printLines(
          `Message ${result.seq} of ${o.tenant}/${o.session} ${result.status}${result.reason ? `: ${result.reason}` : ''} (id ${result.messageId})`,
        );
      }
      await (await ctx().client()).addMessage(ref(o), message);
      if (o.json) printJson({ ok: true });
      else printLines(`Message added to ${o.tenant}/${o.session}`);
    });

  const task = session.command('task').description('session tasks');
  withRef(task.command('add').description('add a task'))
    .argument('<title>', 'task title')
    .option('-d, --description <text>')
    .option('-p, --priority <priority>', 'critical | high | medium | low', 'medium')
    .option('--id <taskId>', 'task id (generated when absent)')
    .action(async (title: string, o: Ref & { description?: string; priority: string; id?: string }) => {
      const t = await (
        await ctx().client()
      ).addTask(ref(o), { title, description: o.description, priority: o.priority as 'medium', taskId: o.id });
      if (o.json) printJson(t);
      else printLines(`Task ${t.taskId} added: ${t.title}`);
    });
  withRef(task.command('complete').description('complete (or cancel) a task'))
    .argument('<taskId>', 'task id')
    .option('--cancel', 'mark cancelled instead of done')
    .action(async (taskId: string, o: Ref & { cancel?: boolean }) => {
      const t = await (await ctx().client()).completeTask(ref(o), { taskId, status: o.cancel ? 'cancelled' : 'done' });
      if (o.json) printJson(t);
      else printLines(`Task ${t.taskId} is ${t.status}`);
    });

  withRef(session.command('handoff').description('hand the session to another agent'))
    .requiredOption('--to <agent>', 'agent taking over')
    .requiredOption('--reason <text>', 'why')
    .option('--info <json>', 'critical facts as a JSON object')
    .option('--instructions <text>', 'what the next agent should do')
    .action(async (o: Ref & { to: string; reason: string; info?: string; instructions?: string }) => {
      const result = await (
        await ctx().client()
      ).handoff(ref(o), {
        toAgent: o.to,
        reason: o.reason,
        criticalInfo: jsonObjectOption('info', o.info) as never,
        continuationInstructions: o.instructions,
      });
      if (o.json) return printJson(result);
      printLines(
        `Handed off ${o.tenant}/${o.session} from ${result.fromAgent ?? '-'} to ${result.toAgent} (${result.handoffId})`,
      );
      printSnapshot(result.contextSnapshot);
    });

  withRef(session.command('context').description('the live context of a session')).action(async (o: Ref) => {
    const c = await (await ctx().client()).sessionContext(ref(o));
    if (o.json) printJson(c);
    else printContext(c);
  });

  withRef(session.command('end').description('end a session (snapshot stored, session memory expired)'))
    .option('--summary <text>', 'closing note kept as continuation instructions')
    .action(async (o: Ref & { summary?: string }) => {
      const snapshot = await (await ctx().client()).endSession(ref(o), { summary: o.summary });
      if (o.json) return printJson(snapshot);
      printLines(`Session ${o.tenant}/${o.session} ended.`);
      printSnapshot(snapshot);
    });
}
