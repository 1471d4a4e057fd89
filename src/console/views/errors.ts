/**
 * Errors and fixes: error patterns over time (a chart per signature), each signature's known
 * solutions with their success rates and its time to resolution, escalations with their answer —
 * resolve (naming a registered remediation), retry or ignore, recorded with who — and one
 * signature's page with its errors, its error-learning run and what people did about it.
 */
import type { ErrorsPage, OpenEscalation, SignaturePage, SignaturePattern, Solution } from '../model';
import { CONSOLE_PREFIX, csrfField, page, type PageContext } from './layout';
import { ago, badge, chart, duration, html, num, pct, query, table, when, workflowLink } from './parts';

export const signatureHref = (signature: string) => `${CONSOLE_PREFIX}/errors/signature${query({ s: signature })}`;

/** A signature's occurrences per bucket over the window, buckets without errors as 0. */
function series(p: SignaturePattern, days: number, bucket: 'hour' | 'day'): (number | null)[][] {
  const step = bucket === 'hour' ? 3600 : 86_400;
  const now = Math.floor(Date.now() / 1000);
  const first = Math.floor((now - days * 86_400) / step) * step;
  const xs: number[] = [];
  for (let x = first; x <= now; x += step) xs.push(x);
  const counts = new Map(p.series);
  return [xs, xs.map((x) => counts.get(x) ?? 0)];
}

function solutionRows(solutions: Solution[]): string[][] {
  return solutions.map((s) => [
    html`<code>${s.action}</code>!${s.disabledAt ? html` <span class="badge">disabled</span>` : ''}<br /><span
        class="muted"
        >${s.description}</span
      >`,
    html`<span class="num">${pct(s.successRate)}</span>`,
    html`<span class="num">${num(s.successCount)} / ${num(s.successCount + s.failureCount)}</span>`,
    html`${s.source}`,
    html`${ago(s.lastUsedAt)}`,
  ]);
}

/** Resolving: the registered remediation that fixed it, and what was done. */
function resolveForm(ctx: PageContext, action: string, signature: string, remediations: string[]): string {
  return html`<form method="post" action="${action}" class="inline">
    !${csrfField(ctx)}<input type="hidden" name="signature" value="${signature}" />
    <input type="hidden" name="kind" value="resolve" />
    <label
      >fixed with
      <select name="action" required>
        !${remediations.map((r) => html`<option value="${r}">${r}</option>`)}
      </select></label
    >
    <input name="description" placeholder="what was done (optional)" maxlength="2000" />
    <button type="submit">Resolve</button>
  </form>`;
}

/** The answer forms of an escalation (the operator's). */
export function answerForms(ctx: PageContext, signature: string, remediations: string[]): string {
  if (!ctx.viewer.operator) return '';
  const action = `${CONSOLE_PREFIX}/errors/answer`;
  return html`<div class="actions">
    !${
      remediations.length
        ? resolveForm(ctx, action, signature, remediations)
        : html`<p class="muted">
            Resolving names the remediation that fixed it, and none is registered (BRAINOPS_REMEDIATIONS).
          </p>`
    }
    <form method="post" action="${action}" class="inline">
      !${csrfField(ctx)}<input type="hidden" name="signature" value="${signature}" /><input
        type="hidden"
        name="kind"
        value="retry"
      />
      <button type="submit">Retry the known fixes</button>
    </form>
    <form method="post" action="${action}" class="inline">
      !${csrfField(ctx)}<input type="hidden" name="signature" value="${signature}" /><input
        type="hidden"
        name="kind"
        value="ignore"
      />
      <input name="reason" placeholder="why (optional)" maxlength="2000" />
      <button type="submit">Ignore</button>
    </form>
  </div>`;
}

function escalationRows(escalations: OpenEscalation[]): string[][] {
  return escalations.map((e) => [
    html`<a href="${signatureHref(e.signature)}">${e.signature}</a><br /><span class="muted">${e.lastMessage}</span>`,
    html`<span class="num">${num(e.errors)}</span>`,
    when(e.firstEscalatedAt),
    html`${e.tenants.join(', ') || '—'}`,
  ]);
}

export function errorsPage(ctx: PageContext, p: ErrorsPage): string {
  const bucket = p.days > 3 ? 'day' : 'hour';
  const windows = [1, 7, 30].map(
    (d) =>
      html`<a href="${CONSOLE_PREFIX}/errors${query({ days: d })}" class="${d === p.days ? 'active' : ''}"
        >${d === 1 ? '24 hours' : `${d} days`}</a
      >`,
  );
  const patterns = p.patterns.map((s) => {
    const solutions = p.solutions.filter((x) => x.problemSignature === s.signature);
    return html`<article class="pattern">
      <h3><a href="${signatureHref(s.signature)}">${s.signature}</a></h3>
      <p class="muted">
        ${s.errorType}: ${s.lastMessage} — ${num(s.occurrences)} errors (${num(s.open)} open, ${num(s.escalated)}
        escalated, ${num(s.resolved)} resolved, ${num(s.ignored)} ignored); last !${when(s.lastSeenAt)}; median time to
        resolution ${duration(s.medianResolutionMs)}
      </p>
      !${chart({
        title: `errors per ${bucket}`,
        series: [{ label: 'errors', kind: 'bars' }],
        data: series(s, p.days, bucket),
        height: 120,
      })}
      !${table(['known solution', 'success rate', 'worked / tried', 'source', 'last used'], solutionRows(solutions), 'No known solution yet.')}
    </article>`;
  });
  const body = html`<p class="tabs">Window: !${windows}</p>
    <section>
      <h2>Escalations waiting for a person</h2>
      !${table(['signature', 'errors waiting', 'escalated', 'tenants'], escalationRows(p.escalations), 'Nothing waits for a person.')}
      !${ctx.viewer.operator && p.escalations.length ? html`<p class="muted">Open a signature to resolve, retry or ignore it.</p>` : ''}
    </section>
    <section>
      <h2>Error patterns</h2>
      !${patterns.length ? patterns : html`<p class="muted">No errors in this window.</p>`}
    </section>`;
  return page(ctx, 'Errors and fixes', body);
}

export function signaturePage(ctx: PageContext, p: SignaturePage): string {
  const escalated = p.events.some((e) => e.status === 'escalated');
  const learning = p.learning
    ? html`<p>
          Error-learning run: !${badge(p.learning.state)} — ${num(p.learning.occurrences)} occurrences,
          ${num(p.learning.attempts.length)}
          attempts${p.learning.lastRejectedAnswer ? `; last answer refused: ${p.learning.lastRejectedAnswer}` : ''}
        </p>
        !${table(
          ['action', 'confidence', 'applied', 'verified', 'detail'],
          p.learning.attempts.map((a) => [
            html`<code>${a.action}</code>`,
            html`${pct(a.confidence)}`,
            html`${a.ok ? 'yes' : 'no'}`,
            html`${a.verified ? 'yes' : 'no'}`,
            html`<span class="muted">${a.detail}</span>`,
          ]),
          'No fix tried yet.',
        )}`
    : html`<p class="muted">No error-learning run of this signature is open.</p>`;
  const body = html`<p><a href="${CONSOLE_PREFIX}/errors">← Errors and fixes</a></p>
    <p><code>${p.signature}</code> · !${workflowLink(ctx.links, p.workflowId)}</p>
    <dl class="facts">
      <dt>resolved</dt>
      <dd>${num(p.resolution.resolved)} (${num(p.resolution.autoResolved)} by automation)</dd>
      <dt>time to resolution</dt>
      <dd>median ${duration(p.resolution.medianMs)}, 95th percentile ${duration(p.resolution.p95Ms)}</dd>
    </dl>
    !${
      escalated
        ? html`<section>
            <h2>Answer the escalation</h2>
            !${answerForms(ctx, p.signature, p.remediations)}
          </section>`
        : ''
    }
    <section>
      <h2>Known solutions</h2>
      !${table(['solution', 'success rate', 'worked / tried', 'source', 'last used'], solutionRows(p.solutions), 'No known solution yet.')}
    </section>
    !${
      ctx.viewer.operator
        ? html`<section>
            <h2>Error-learning</h2>
            !${learning}
          </section>`
        : ''
    }
    !${
      ctx.viewer.operator
        ? html`<section>
            <h2>What people did</h2>
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
          </section>`
        : ''
    }
    <section>
      <h2>Errors</h2>
      !${table(
        ['when', 'status', 'message', 'source', 'tenant', 'resolved after', 'workflow'],
        p.events.map((e) => [
          when(e.occurredAt),
          badge(e.status),
          html`${e.message}`,
          html`${e.source}`,
          html`${e.tenantId ?? '—'}`,
          html`${duration(e.resolutionMs)}`,
          workflowLink(ctx.links, e.workflowId),
        ]),
        'No errors.',
      )}
    </section>`;
  return page(ctx, 'Error signature', body);
}
