/**
 * The console's data source over today's pieces — the memory store's SQL modules (run under each
 * tenant's row-level security through a `TenantScope`, as the store's own tenant paths are) and the
 * Temporal client for live workflow state and actions. The console sees it only through
 * {@link ConsoleDataSource}, so it can be pointed at the shared operations layer instead.
 */
import type { ConsoleDataSource } from '../model';
import { ConsoleActions } from './actions';
import { ConsoleAuth } from './auth';
import { SourceContext, type StoreSourceDeps } from './context';
import { OperatorReads } from './operator-reads';
import { ConsoleReads } from './reads';

export type { StoreSourceDeps } from './context';
export { viewerOf } from './auth';

/** A data source over the memory store and the Temporal client; `close()` ends its tenant pool. */
export function createStoreDataSource(deps: StoreSourceDeps): ConsoleDataSource & { close(): Promise<void> } {
  const ctx = new SourceContext(deps);
  const auth = new ConsoleAuth(ctx);
  const reads = new ConsoleReads(ctx);
  const operator = new OperatorReads(ctx);
  const actions = new ConsoleActions(ctx);
  return {
    signIn: (key) => auth.signIn(key),
    viewer: (id) => auth.viewer(id),
    signOut: (id) => auth.signOut(id),
    overview: (v) => reads.overview(v),
    searchMemory: (v, q) => reads.searchMemory(v, q),
    browseMemory: (v, q) => reads.browseMemory(v, q),
    memoryEntry: (v, id) => reads.memoryEntry(v, id),
    sessions: (v, q) => reads.sessions(v, q),
    session: (v, t, s, before) => reads.session(v, t, s, before),
    errors: (v, q) => operator.errors(v, q),
    errorSignature: (v, s) => operator.errorSignature(v, s),
    learning: (v) => operator.learning(v),
    procedures: (v) => operator.procedures(v),
    procedureRun: (v, id) => operator.procedureRun(v, id),
    operations: (v) => operator.operations(v),
    approveStep: (v, id, reason) => actions.approveStep(v, id, reason),
    skipStep: (v, id, step, reason) => actions.skipStep(v, id, step, reason),
    answerEscalation: (v, s, a) => actions.answerEscalation(v, s, a),
    close: () => ctx.close(),
  };
}
