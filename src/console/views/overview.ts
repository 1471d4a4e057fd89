/**
 * The overview: health targets with their state and last change, memory by layer, scope and type,
 * sessions active now, writes and searches per minute over the last hour, open escalations and the
 * newest insights. It refreshes itself every 30 s (htmx swaps the section in place).
 */
import type { MinuteCount, OverviewPage } from '../model';
import { CONSOLE_PREFIX, page, type PageContext } from './layout';
import { ago, badge, chart, html, num, query, table, when, workflowLink } from './parts';

/** The last `minutes` whole minutes as epoch seconds, with each series' count (0 when none). */
function perMinute(series: MinuteCount[][], minutes: number, now = Date.now()): (number | null)[][] {
  const end = Math.floor(now / 60_000) * 60;
  const xs = Array.from({ length: minutes }, (_, i) => end - (minutes - 1 - i) * 60);
  const lookup = series.map((s) => new Map(s.map((m) => [Math.floor(new Date(m.minute).getTime() / 1000), m.n])));
  return [xs, ...lookup.map((m) => xs.map((x) => m.get(x) ?? 0))];
}

function counts(title: string, values: Record<string, number>): string {
  const rows = Object.entries(values)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => [html`${k}`, html`<span class="num">${num(n)}</span>`]);
  return html`<div>
    <h3>${title}</h3>
    !${table(['', 'entries'], rows, 'none')}
  </div>`;
}

export function overviewPage(ctx: PageContext, o: OverviewPage): string {
  const health = table(
    ['target', 'state', 'checked', 'last change', ''],
    o.health.map((h) => [
      html`<strong>${h.target}</strong> <span class="muted">${h.kind ?? ''}</span>`,
      badge(h.status),
      when(h.checkedAt),
      html`${ago(h.lastChangeAt)}`,
      html`<span class="muted">${h.error ?? ''}</span>`,
    ]),
    ctx.viewer.operator ? 'No health results yet (SystemMonitor runs every minute).' : 'No shared system status.',
  );
  const sessions = table(
    ['session', 'agent', 'messages', 'last activity', 'workflow'],
    o.activeSessions.recent.map((s) => [
      html`<a href="${CONSOLE_PREFIX}/sessions/${encodeURIComponent(s.tenantId)}/${encodeURIComponent(s.sessionId)}"
        >${s.tenantId} / ${s.sessionId}</a
      >`,
      html`${s.agentId ?? '—'}`,
      html`<span class="num">${num(s.messageCount)}</span>`,
      html`${ago(s.lastActivityAt)}`,
      workflowLink(ctx.links, s.workflowId),
    ]),
    'No session is active.',
  );
  const escalations = table(
    ['signature', 'errors waiting', 'escalated', 'last error'],
    o.escalations.map((e) => [
      html`<a href="${CONSOLE_PREFIX}/errors/signature${query({ s: e.signature })}">${e.signature}</a>`,
      html`<span class="num">${num(e.errors)}</span>`,
      when(e.firstEscalatedAt),
      html`${ago(e.lastOccurredAt)}`,
    ]),
    'Nothing waits for a person.',
  );
  const insights = table(
    ['severity', 'insight', 'updated'],
    o.insights.map((i) => [badge(i.severity), html`${i.title ?? i.key}`, html`${ago(i.updatedAt)}`]),
    'No insights yet (the learning cycles write them every five minutes, hourly and daily).',
  );
  const body = html`<div
    id="overview"
    hx-get="${CONSOLE_PREFIX}"
    hx-trigger="every 30s"
    hx-select="#overview"
    hx-target="this"
    hx-swap="outerHTML"
  >
    <section>
      <h2>Health</h2>
      !${health}
    </section>
    <section>
      <h2>Memory <span class="muted">${num(o.counts.total)} live entries</span></h2>
      <p class="muted">
        ${
          o.counts.basis === 'estimate' ? 'Estimated from PostgreSQL’s statistics (as of its last ANALYZE).' : 'Counted'
        }
        at !${when(o.counts.countedAt)}; refreshed at most once a minute.
      </p>
      <div class="columns">
        !${counts('By layer', o.counts.byLayer)} !${counts('By scope', o.counts.byScope)}
        !${counts('By type', o.counts.byType)}
      </div>
    </section>
    <section>
      <h2>Sessions active now <span class="muted">${num(o.activeSessions.count)}</span></h2>
      !${sessions}
    </section>
    <section>
      <h2>Activity</h2>
      !${chart({
        title: 'Memory entries written and API searches per minute, last hour',
        series: [{ label: 'entries written' }, { label: 'searches' }],
        data: perMinute([o.writesPerMinute, o.searchesPerMinute], 60),
        unit: 'per minute',
      })}
    </section>
    <section>
      <h2>Open escalations</h2>
      !${escalations}
    </section>
    <section>
      <h2>Newest insights</h2>
      !${insights}
      <p><a href="${CONSOLE_PREFIX}/learning">All insights</a></p>
    </section>
  </div>`;
  return page(ctx, 'Overview', body);
}
