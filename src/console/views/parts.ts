/**
 * Building blocks of the console's pages: HTML from ghtml's tagged template (`${…}` is escaped;
 * `!${…}` inserts HTML already built by these templates, and nothing else), dates and numbers
 * formatted by `Intl` (UTC, so every reader sees the same time) and durations by `ms`, links to the Temporal Web UI, and
 * charts declared as data for uPlot (drawn in the browser by `assets/console.mjs`).
 */
import { html } from 'ghtml';
import ms from 'ms';

export { html };

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
});
const NUMBER = new Intl.NumberFormat('en');
const PERCENT = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
function asDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `3 Dec 2026, 09:41:07 UTC` inside a `<time>` element whose title says how long ago it was. */
export function when(value: Date | string | null | undefined): string {
  const d = asDate(value);
  if (!d) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}" title="${ago(d)}">${DATE_TIME.format(d)} UTC</time>`;
}

/** How long ago (or ahead) `value` is, in words: "5 minutes ago". */
export function ago(value: Date | string | null | undefined, now = Date.now()): string {
  const d = asDate(value);
  if (!d) return '—';
  const diff = now - d.getTime();
  return diff >= 0 ? `${ms(diff, { long: true })} ago` : `in ${ms(-diff, { long: true })}`;
}

/** A whole number with thousands separators; `—` for null. */
export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : NUMBER.format(value);
}

/** A share in [0, 1] as a percentage; `—` for null (nothing to divide by). */
export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : PERCENT.format(value);
}

/** A duration given in ms, as `ms` prints it ("850ms", "12s", "3m"). */
export function duration(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : ms(Math.round(value));
}

/** Where the console links workflows to: the Temporal Web UI's base URL and namespace. */
export interface TemporalLinks {
  uiUrl: string | undefined;
  namespace: string;
}

/** A link to a workflow in the Temporal Web UI (its id as text when no UI is configured). */
export function workflowLink(links: TemporalLinks, workflowId: string | null | undefined, label?: string): string {
  if (!workflowId) return html`<span class="muted">—</span>`;
  if (!links.uiUrl) return html`<code>${label ?? workflowId}</code>`;
  const href = `${links.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return html`<a class="temporal" href="${href}" target="_blank" rel="noopener" title="open in the Temporal Web UI"
    ><code>${label ?? workflowId}</code></a
  >`;
}

/** A status word with a class its colour comes from. */
export function badge(status: string | null | undefined): string {
  const s = status ?? 'unknown';
  return html`<span class="badge badge-${s.replace(/[^a-z-]/gi, '')}">${s}</span>`;
}

/** A chart uPlot draws in the browser: x values (epoch seconds) and one or more series. */
export interface ChartSpec {
  title: string;
  series: { label: string; kind?: 'line' | 'bars' }[];
  /** `[x values, …one array per series]`, aligned. */
  data: (number | null)[][];
  /** Axis label of the y values. */
  unit?: string;
  height?: number;
}

/** A chart placeholder: its spec travels as JSON in an attribute (escaped like any other value). */
export function chart(spec: ChartSpec): string {
  return html`<figure class="chart" data-chart="${JSON.stringify(spec)}" aria-label="${spec.title}">
    <figcaption>${spec.title}</figcaption>
  </figure>`;
}

/** A table of rows, or a line saying there is nothing; `head` and each row's cells are built HTML. */
export function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          !${head.map((h) => html`<th>${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        !${rows.map(
          (cells) =>
            html`<tr>
              !${cells.map((c) => html`<td>!${c}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Query-string of `params` (undefined ones left out), for links that keep the page's filters. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Pretty JSON for a `<pre>` block, cut at `max` characters. */
export function json(value: unknown, max = 20_000): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}\n… (${NUMBER.format(text.length - max)} more characters)` : text;
}

/**
 * The workflow a write id names (`<workflow id>/<run id>/<activity id>[/…]`, see `activityWriteId`):
 * everything before the run id, which is a UUID; null for a write id of another form.
 */
export function workflowOfWriteId(writeId: string | null): string | null {
  const match = writeId ? /^(.+?)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//.exec(writeId) : null;
  return match?.[1] ?? null;
}
