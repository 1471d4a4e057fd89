/**
 * Procedures and orchestrations (the operator's): runs waiting for a person with approve and skip
 * forms (recorded with who), runs with their steps, compliance per procedure version, and
 * orchestrations with the agents their steps went to.
 */
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import type { ProcedureRunPage, ProceduresPage, ProcedureRunRow } from '../model';
import { CONSOLE_PREFIX, csrfField, page, type PageContext } from './layout';
import { ago, badge, html, num, pct, query, table, when, workflowLink } from './parts';

const runHref = (workflowId: string) => `${CONSOLE_PREFIX}/procedures/run${query({ id: workflowId })}`;

/** Approve (or release) and skip forms of a run that waits for a person. */
function decisionForms(ctx: PageContext, workflowId: string, status: ProcedureStatus): string {
  const pending = status.steps.filter(
    (s) => s.status === 'pending' || s.status === 'blocked' || s.status === 'waiting-approval',
  );
  return html`<div class="actions">
    <form method="post" action="${CONSOLE_PREFIX}/procedures/approve" class="inline">
      !${csrfField(ctx)}<input type="hidden" name="workflowId" value="${workflowId}" />
      <input name="reason" placeholder="why it may go on" required maxlength="2000" />
      <button type="submit">${status.state === 'blocked' ? 'Release' : 'Approve'} ${status.currentStep ?? ''}</button>
    </form>
    <form method="post" action="${CONSOLE_PREFIX}/procedures/skip" class="inline">
      !${csrfField(ctx)}<input type="hidden" name="workflowId" value="${workflowId}" />
      <label
        >skip
        <select name="stepId" required>
          !${pending.map((s) => html`<option value="${s.id}">${s.id}${s.title ? ` — ${s.title}` : ''}</option>`)}
        </select></label
      >
      <input name="reason" placeholder="why it may be skipped" required maxlength="2000" />
      <button type="submit">Skip</button>
    </form>
  </div>`;
}

function stepsTable(status: ProcedureStatus): string {
  return table(
    ['step', 'kind', 'status', 'approved by', 'reason', 'error'],
    status.steps.map((s) => [
      html`<strong>${s.id}</strong> <span class="muted">${s.title ?? ''}</span>`,
      html`${s.kind}`,
      badge(s.status),
      html`${s.approvedBy ?? '—'}`,
      html`${s.reason ?? ''}`,
      html`<span class="muted">${s.error ?? ''}</span>`,
    ]),
    'No steps.',
  );
}

function runRows(ctx: PageContext, runs: ProcedureRunRow[]): string[][] {
  return runs.map((r) => [
    html`<a href="${runHref(r.workflowId)}">${r.procedure} v${r.version}</a>`,
    badge(r.status),
    when(r.startedAt),
    html`${r.finishedAt ? ago(r.finishedAt) : '—'}`,
    html`<span class="muted">${r.error ?? ''}</span>`,
    workflowLink(ctx.links, r.workflowId),
  ]);
}

export function proceduresPage(ctx: PageContext, p: ProceduresPage): string {
  const waiting = p.waiting.map(
    (w) =>
      html`<article class="waiting">
        <h3>
          <a href="${runHref(w.run.workflowId)}">${w.run.procedure} v${w.run.version}</a> !${badge(w.status.state)}
        </h3>
        <p>${w.status.waitingFor ?? ''}</p>
        !${decisionForms(ctx, w.run.workflowId, w.status)}
      </article>`,
  );
  const body = html`<section>
      <h2>Waiting for a person</h2>
      !${waiting.length ? waiting : html`<p class="muted">No run waits for approval.</p>`}
    </section>
    <section>
      <h2>Compliance per procedure version <span class="muted">last 30 days</span></h2>
      <p class="muted">
        Steps run as defined over every step decision; skipped, blocked and warned steps are departures.
      </p>
      !${table(
        ['procedure', 'compliance', 'ran', 'failed', 'skipped', 'blocked', 'warned'],
        p.compliance.map((c) => [
          html`${c.procedure} v${c.version}`,
          html`<span class="num">${pct(c.rate)}</span>`,
          html`<span class="num">${num(c.ran)}</span>`,
          html`<span class="num">${num(c.failed)}</span>`,
          html`<span class="num">${num(c.skipped)}</span>`,
          html`<span class="num">${num(c.blocked)}</span>`,
          html`<span class="num">${num(c.warned)}</span>`,
        ]),
        'No procedure steps in the last 30 days.',
      )}
    </section>
    <section>
      <h2>Runs</h2>
      !${table(['procedure', 'status', 'started', 'finished', 'error', 'workflow'], runRows(ctx, p.runs), 'No procedure has run.')}
    </section>
    <section>
      <h2>Orchestrations</h2>
      !${table(
        ['goal', 'outcome', 'started', 'steps', 'workflow'],
        p.orchestrations.map((o) => [
          html`${o.goal ?? 'running'}`,
          o.success === null ? badge('running') : badge(o.success ? 'succeeded' : 'failed'),
          when(o.startedAt),
          html`!${o.steps.map((s) => html`<div>${s.stepId}: ${s.capability} → <strong>${s.agentId}</strong> !${badge(s.status)}</div>`)}`,
          workflowLink(ctx.links, o.workflowId),
        ]),
        'No orchestration yet.',
      )}
    </section>`;
  return page(ctx, 'Procedures and orchestrations', body);
}

export function procedureRunPage(ctx: PageContext, p: ProcedureRunPage): string {
  const s = p.status;
  const waits = s && (s.state === 'blocked' || s.state === 'waiting-approval');
  const body = html`<p><a href="${CONSOLE_PREFIX}/procedures">← Procedures</a></p>
    <dl class="facts">
      <dt>procedure</dt>
      <dd>${p.run.procedure} v${p.run.version} !${badge(s?.state ?? p.run.status)}</dd>
      <dt>started · finished</dt>
      <dd>!${when(p.run.startedAt)} · !${when(p.run.finishedAt)}</dd>
      <dt>workflow</dt>
      <dd>!${workflowLink(ctx.links, p.run.workflowId)}</dd>
      <dt>waiting for</dt>
      <dd>${s?.waitingFor ?? '—'}</dd>
    </dl>
    !${
      waits && s
        ? html`<section>
            <h2>Decide</h2>
            !${decisionForms(ctx, p.run.workflowId, s)}
          </section>`
        : ''
    }
    <section>
      <h2>Steps</h2>
      !${s ? stepsTable(s) : html`<p class="muted">The run has ended; its step events follow.</p>`}
    </section>
    <section>
      <h2>Step events</h2>
      !${table(
        ['when', 'step', 'event', 'approved by', 'reason'],
        p.events.map((e) => [
          when(e.at),
          html`${e.stepId}`,
          badge(e.event),
          html`${e.approvedBy ?? '—'}`,
          html`${e.reason ?? ''}`,
        ]),
        'No step events.',
      )}
    </section>
    <section>
      <h2>What people did here</h2>
      !${table(
        ['when', 'who', 'what', 'detail'],
        p.actions.map((a) => [
          when(a.at),
          html`${a.actor}`,
          html`${a.action}`,
          html`<code>${JSON.stringify(a.detail)}</code>`,
        ]),
        'Nothing yet.',
      )}
    </section>`;
  return page(ctx, 'Procedure run', body);
}
