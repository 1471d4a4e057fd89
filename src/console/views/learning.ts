/**
 * Learning: insights, agent records per capability over time, pattern-match accuracy (errors whose
 * known fix was found and worked, over errors seen) and the system's improvement per week (the
 * auto-resolved share and the time to resolution), and the latest learning cycles.
 */
import { share } from '../../domain/operations-figures';
import type { LearningPage } from '../model';
import { page, type PageContext } from './layout';
import { ago, badge, chart, duration, html, num, pct, table, when, workflowLink } from './parts';

const epoch = (d: Date | string) => Math.floor(new Date(d).getTime() / 1000);

export function learningPage(ctx: PageContext, p: LearningPage): string {
  const weeks = p.weeks.map((w) => ({
    ...w,
    accuracy: share(w.matched, w.seen),
    autoShare: share(w.autoResolved, w.resolved),
  }));
  const xs = weeks.map((w) => epoch(w.week));
  const improvement = html`!${chart({
    title: 'Auto-resolved share and pattern-match accuracy per week',
    series: [{ label: 'auto-resolved share' }, { label: 'pattern-match accuracy' }],
    data: [xs, weeks.map((w) => w.autoShare), weeks.map((w) => w.accuracy)],
    unit: 'share',
  })}
  !${chart({
    title: 'Median time to resolution per week (s)',
    series: [{ label: 'median time to resolution', kind: 'bars' }],
    data: [xs, weeks.map((w) => (w.medianResolutionMs === null ? null : w.medianResolutionMs / 1000))],
    unit: 's',
  })}
  !${table(
    [
      'week of',
      'errors seen',
      'known fix found and worked',
      'accuracy',
      'resolved',
      'by automation',
      'auto-resolved share',
      'median time to resolution',
    ],
    weeks.map((w) => [
      when(w.week),
      html`<span class="num">${num(w.seen)}</span>`,
      html`<span class="num">${num(w.matched)}</span>`,
      html`<span class="num">${pct(w.accuracy)}</span>`,
      html`<span class="num">${num(w.resolved)}</span>`,
      html`<span class="num">${num(w.autoResolved)}</span>`,
      html`<span class="num">${pct(w.autoShare)}</span>`,
      html`${duration(w.medianResolutionMs)}`,
    ]),
    'No weeks yet.',
  )}`;
  const capabilities = p.capabilities.map(
    (c) =>
      html`<article class="pattern">
        <h3>
          ${c.capability} <span class="muted">${num(c.runs)} runs, ${pct(share(c.successes, c.runs))} succeeded</span>
        </h3>
        !${chart({
          title: `${c.capability}: runs and successes per hour`,
          series: [{ label: 'runs', kind: 'bars' }, { label: 'successes' }],
          data: [c.series.map((s) => s[0]), c.series.map((s) => s[1]), c.series.map((s) => s[2])],
          height: 120,
        })}
      </article>`,
  );
  const body = html`<section>
      <h2>System improvement</h2>
      <p class="muted">
        An error counts as auto-resolved when it was resolved without being escalated to a person; pattern-match
        accuracy is the share of the week's errors whose known fix was found and worked.
      </p>
      !${improvement}
    </section>
    !${
      ctx.viewer.operator
        ? html`<section>
              <h2>Agent records per capability <span class="muted">last 7 days</span></h2>
              !${capabilities.length ? capabilities : html`<p class="muted">No agent records yet (the five-minute cycle writes them).</p>`}
            </section>
            <section>
              <h2>Learning cycles</h2>
              !${table(
                ['cycle', 'window end', 'completed', 'took', 'workflow'],
                p.cycles.map((c) => [
                  html`${c.cycle}`,
                  when(c.windowEnd),
                  html`${ago(c.completedAt)}`,
                  html`${duration(c.durationMs)}`,
                  workflowLink(ctx.links, c.workflowId),
                ]),
                'No cycle has run yet.',
              )}
            </section>`
        : ''
    }
    <section>
      <h2>Insights</h2>
      !${table(
        ['severity', 'insight', 'recommended action', 'status', 'updated'],
        p.insights.map((i) => [
          badge(i.severity),
          html`<strong>${i.title ?? i.key}</strong><br /><span class="muted">${i.detail ?? ''}</span>`,
          html`${i.recommendedAction ?? '—'}`,
          html`${i.status ?? '—'}`,
          html`${ago(i.updatedAt)}`,
        ]),
        'No insights yet.',
      )}
    </section>`;
  return page(ctx, 'Learning', body);
}
