/**
 * Error-learning for one error signature, started when an error is recorded: candidate
 * solutions → apply the best one whose confidence reaches the threshold → verify → record the
 * outcome → next candidate → escalate and wait for a person (`resolve`, `retry`, `ignore`).
 * One workflow per signature in flight (id `error-learning/<hash>`); further occurrences arrive
 * as `occurrence` signals and are counted, so a storm of one error starts one remediation. The
 * phases live in `error-learning-phases.ts`, the status and the signals in `error-learning-state.ts`.
 */
import type { ErrorLearningInput, ErrorLearningStatus } from '../contracts/error-learning-messages';
import { awaitPerson, escalate, tryCandidates, type ErrorLearningContext } from './error-learning-phases';
import { ErrorLearningState } from './error-learning-state';

export async function errorLearningWorkflow(input: ErrorLearningInput): Promise<ErrorLearningStatus> {
  const state = new ErrorLearningState();
  state.listen(input.alert);
  const ctx: ErrorLearningContext = { input, state, applications: 0 };
  // Candidates tried since the last escalation: a person's `retry` lets every one be tried again.
  const tried = new Set<string>();
  for (;;) {
    if (await tryCandidates(ctx, tried)) return state.status;
    await escalate(ctx);
    if ((await awaitPerson(ctx)) === 'ended') return state.status;
    state.status.state = 'remediating';
    tried.clear();
  }
}
