/**
 * The session pages: active and recent sessions (most recently active first, keyset pages), and
 * one session's messages, tasks, handoffs, dead letters and snapshots as a timeline.
 */
import type { SessionCursor, SessionListRow, SessionPage } from '../model';
import { CONSOLE_PREFIX, page, type PageContext } from './layout';
import { ago, badge, html, json, num, query, table, when, workflowLink } from './parts';

export const sessionHref = (tenantId: string, sessionId: string) =>
  `${CONSOLE_PREFIX}/sessions/${encodeURIComponent(tenantId)}/${encodeURIComponent(sessionId)}`;

export function sessionsPage(
  ctx: PageContext,
  q: { tenantId?: string; status?: 'active' | 'ended'; after?: SessionCursor },
  list: { rows: SessionListRow[]; more: boolean },
): string {
  const rows = list.rows.map((s) => [
    html`<a href="${sessionHref(s.tenantId, s.sessionId)}">${s.sessionId}</a><br /><span class="muted"
        >${s.title ?? ''}</span
      >`,
    html`${s.tenantId}`,
    badge(s.status),
    html`${s.agentId ?? '—'}`,
    html`<span class="num">${num(s.messageCount)}</span>`,
    when(s.startedAt),
    html`${ago(s.lastActivityAt)}`,
    workflowLink(ctx.links, s.workflowId),
  ]);
  const last = list.rows.at(-1);
  const older = last
    ? query({
        tenant: q.tenantId,
        status: q.status,
        after_at: new Date(last.lastActivityAt).toISOString(),
        after_tenant: last.tenantId,
        after_session: last.sessionId,
      })
    : '';
  const status = (value: string, label: string) =>
    html`<option value="${value}" !${(q.status ?? '') === value ? 'selected' : ''}>${label}</option>`;
  const body = html`<form method="get" action="${CONSOLE_PREFIX}/sessions" class="inline">
      !${
        ctx.viewer.operator
          ? html`<label>tenant <input name="tenant" value="${q.tenantId ?? ''}" placeholder="every tenant" /></label>`
          : ''
      }
      <label
        >status
        <select name="status">
          !${status('', 'any')} !${status('active', 'active')} !${status('ended', 'ended')}
        </select></label
      >
      <button type="submit">Filter</button>
    </form>
    !${table(['session', 'tenant', 'status', 'agent', 'messages', 'started', 'last activity', 'workflow'], rows, 'No session yet.')}
    !${list.more ? html`<p><a href="${CONSOLE_PREFIX}/sessions${older}">Earlier sessions →</a></p>` : ''}`;
  return page(ctx, 'Sessions', body);
}

const KIND_LABEL: Record<string, string> = {
  message: 'message',
  task: 'task added',
  'task-done': 'task completed',
  handoff: 'handoff',
  quarantined: 'dead letter',
};

export function sessionPage(ctx: PageContext, p: SessionPage): string {
  const s = p.session;
  const items = p.timeline.map(
    (t) =>
      html`<li class="moment moment-${t.kind}">
        <div class="when">!${when(t.at)}</div>
        <div>
          <span class="kind">${KIND_LABEL[t.kind] ?? t.kind}</span>
          ${t.seq !== null ? `#${t.seq}` : ''} <strong>${t.label}</strong>
          <p class="text">${t.text}</p>
          !${
            t.kind === 'message' && t.detail && Object.keys(t.detail as object).length === 0
              ? ''
              : html`<details>
                  <summary>details</summary>
                  <pre>${json(t.detail, 5000)}</pre>
                </details>`
          }
        </div>
      </li>`,
  );
  const first = p.timeline[0];
  const body = html`<p><a href="${CONSOLE_PREFIX}/sessions">← Sessions</a></p>
    <dl class="facts">
      <dt>session</dt>
      <dd>${s.tenantId} / ${s.sessionId} !${badge(s.status)}</dd>
      <dt>title</dt>
      <dd>${s.title ?? '—'}</dd>
      <dt>user · agent</dt>
      <dd>${s.userId ?? '—'} · ${s.agentId ?? '—'}</dd>
      <dt>messages</dt>
      <dd>${num(s.messageCount)}</dd>
      <dt>started · last activity · ended</dt>
      <dd>!${when(s.startedAt)} · !${when(s.lastActivityAt)} · !${when(s.endedAt)}</dd>
      <dt>workflow</dt>
      <dd>!${workflowLink(ctx.links, s.workflowId)}</dd>
    </dl>
    <section>
      <h2>Timeline</h2>
      !${
        p.earlier && first
          ? html`<p>
              <a href="${sessionHref(s.tenantId, s.sessionId)}${query({ before: new Date(first.at).toISOString() })}"
                >← Earlier</a
              >
            </p>`
          : ''
      }
      !${
        items.length
          ? html`<ol class="timeline">
              !${items}
            </ol>`
          : html`<p class="muted">Nothing recorded yet.</p>`
      }
    </section>
    <section>
      <h2>Last context snapshot</h2>
      !${
        s.contextSnapshot
          ? html`<details open>
              <summary>snapshot</summary>
              <pre>${json(s.contextSnapshot)}</pre>
            </details>`
          : html`<p class="muted">None yet (one is taken at each handoff and at the end).</p>`
      }
    </section>`;
  return page(ctx, `Session ${s.sessionId}`, body);
}
