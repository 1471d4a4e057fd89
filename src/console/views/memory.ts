/**
 * The memory pages: search (the hybrid search with `explain`, each hit's score shown as its parts),
 * browsing a tenant's entries with filters (keyset pages: "older" continues after the last row
 * shown), and one entry with its history of versions, layer changes, archived incarnations and
 * accesses.
 */
import { LAYERS, MEMORY_TYPES, SCOPES, type MemorySearchHit, type SearchExplanation } from '../../contracts/memory';
import type { EntryListRow, MemoryBrowseQuery, MemoryEntryPage, MemorySearchQuery } from '../model';
import { CONSOLE_PREFIX, page, type PageContext } from './layout';
import { ago, badge, html, json, num, query, table, when, workflowLink, workflowOfWriteId } from './parts';

const entryHref = (id: string) => `${CONSOLE_PREFIX}/memory/entries/${encodeURIComponent(id)}`;

function options(values: readonly string[], selected: string | undefined): string {
  return html`<option value="">any</option>
    !${values.map((v) => html`<option value="${v}" !${v === selected ? 'selected' : ''}>${v}</option>`)}`;
}

function meter(label: string, value: number | undefined, detail: string): string {
  if (value === undefined) return html`<div class="part"><span>${label}</span><span class="muted">—</span></div>`;
  return html`<div class="part">
    <span>${label}</span><meter min="0" max="1" value="${value.toFixed(4)}"></meter
    ><span class="num">${value.toFixed(3)}</span><span class="muted">${detail}</span>
  </div>`;
}

/** A hit's score as its parts: lexical, semantic, fused, neighbours, then the standing factors. */
function explanation(e: SearchExplanation | undefined, rank: number): string {
  if (!e) return '';
  return html`<div class="score">
    !${meter('lexical (BM25)', e.lexical?.normalised, e.lexical ? `bm25 ${e.lexical.bm25.toFixed(3)}, #${e.lexical.position}` : 'no word matched')}
    !${meter('semantic (cosine)', e.semantic?.normalised, e.semantic ? `cosine ${e.semantic.cosine.toFixed(3)}, #${e.semantic.position}` : 'not embedded yet')}
    !${meter('fused', e.fused, '0.6 × lexical + 0.4 × semantic')}
    !${meter('neighbours', e.neighbours, 'from the turns around it')}
    <div class="part">
      <span>standing</span
      ><span class="muted"
        >× importance ${e.importance.toFixed(2)} × recency ${e.recency.toFixed(2)} × access ${e.access.toFixed(2)} =
        rank ${rank.toFixed(4)}</span
      >
    </div>
  </div>`;
}

function hit(ctx: PageContext, h: MemorySearchHit): string {
  if (h.kind === 'entry') {
    const e = h.entry;
    return html`<li>
      <a href="${entryHref(e.id)}"><strong>${e.title ?? e.key}</strong></a>
      <code>${e.key}</code> !${badge(e.memoryType)}
      <span class="muted">${e.scope}${e.tenantId ? ` · ${e.tenantId}` : ''} · ${ago(e.updatedAt)}</span>
      <p>${(e.content ?? '').slice(0, 300)}</p>
      !${explanation(h.explain, h.rank)}
    </li>`;
  }
  const m = h.message;
  return html`<li>
    <a href="${CONSOLE_PREFIX}/sessions/${encodeURIComponent(m.tenantId)}/${encodeURIComponent(m.sessionId)}"
      ><strong>${m.tenantId} / ${m.sessionId}</strong> #${m.seq}</a
    >
    !${badge(m.role)} <span class="muted">${ago(m.createdAt)}</span>
    <p>${m.content.slice(0, 300)}</p>
    !${explanation(h.explain, h.rank)}
  </li>`;
}

/** The search results alone (what htmx swaps in under the form). */
export function searchResults(ctx: PageContext, q: MemorySearchQuery | null, hits: MemorySearchHit[]): string {
  if (!q) return html`<div id="results"></div>`;
  return html`<div id="results">
    <h2>${num(hits.length)} results for “${q.query}”</h2>
    !${
      hits.length
        ? html`<ol class="hits">
            !${hits.map((h) => hit(ctx, h))}
          </ol>`
        : html`<p class="muted">Nothing found.</p>`
    }
  </div>`;
}

function searchForm(ctx: PageContext, q: MemorySearchQuery | null): string {
  return html`<form
    method="get"
    action="${CONSOLE_PREFIX}/memory/search"
    hx-get="${CONSOLE_PREFIX}/memory/search"
    hx-target="#results"
    hx-select="#results"
    hx-swap="outerHTML"
    hx-push-url="true"
    class="inline"
  >
    <label>Search <input type="search" name="q" value="${q?.query ?? ''}" required maxlength="1000" /></label>
    !${
      ctx.viewer.operator
        ? html`<label
            >tenant <input name="tenant" value="${q?.tenantId ?? ''}" placeholder="none: shared entries"
          /></label>`
        : ''
    }
    <label>session <input name="session" value="${q?.sessionId ?? ''}" /></label>
    <label
      ><input type="checkbox" name="exact" value="1" !${q?.mode === 'websearch' ? 'checked' : ''} /> web-search
      syntax</label
    >
    <button type="submit">Search</button>
  </form>`;
}

function browseForm(ctx: PageContext, b: MemoryBrowseQuery): string {
  return html`<form method="get" action="${CONSOLE_PREFIX}/memory" class="inline">
    !${
      ctx.viewer.operator
        ? html`<label>tenant <input name="tenant" value="${b.tenantId ?? ''}" placeholder="every tenant" /></label>
            <label><input type="checkbox" name="none" value="1" !${b.noTenant ? 'checked' : ''} /> no tenant</label>`
        : ''
    }
    <label
      >layer
      <select name="layer">
        !${options(LAYERS, b.layer)}
      </select></label
    >
    <label
      >scope
      <select name="scope">
        !${options(SCOPES, b.scope)}
      </select></label
    >
    <label
      >type
      <select name="type">
        !${options(MEMORY_TYPES, b.memoryType)}
      </select></label
    >
    <label>key starts with <input name="prefix" value="${b.keyPrefix ?? ''}" /></label>
    <button type="submit">Filter</button>
  </form>`;
}

export function memoryPage(
  ctx: PageContext,
  b: MemoryBrowseQuery,
  list: { rows: EntryListRow[]; more: boolean },
  search: { q: MemorySearchQuery | null; hits: MemorySearchHit[] },
): string {
  const rows = list.rows.map((e) => [
    html`<a href="${entryHref(e.id)}"><code>${e.key}</code></a
      ><br /><span class="muted">${e.title ?? ''}</span>`,
    html`${e.memoryType}`,
    html`${e.layer}`,
    html`${e.scope}`,
    html`${e.tenantId ?? '—'}`,
    html`<span class="num">v${e.syncVersion}</span>`,
    html`<span class="num">${num(e.accessCount)}</span>`,
    when(e.updatedAt),
  ]);
  const last = list.rows.at(-1);
  const older = last
    ? query({
        tenant: b.tenantId,
        none: b.noTenant ? 1 : undefined,
        layer: b.layer,
        scope: b.scope,
        type: b.memoryType,
        prefix: b.keyPrefix,
        after_at: new Date(last.updatedAt).toISOString(),
        after_id: last.id,
      })
    : '';
  const body = html`<section>!${searchForm(ctx, search.q)} !${searchResults(ctx, search.q, search.hits)}</section>
    <section>
      <h2>Entries <span class="muted">newest first</span></h2>
      !${browseForm(ctx, b)}
      !${table(['key', 'type', 'layer', 'scope', 'tenant', 'version', 'reads', 'updated'], rows, 'No entry matches.')}
      !${list.more ? html`<p><a href="${CONSOLE_PREFIX}/memory${older}">Older entries →</a></p>` : ''}
    </section>`;
  return page(ctx, 'Memory', body);
}

export function entryPage(ctx: PageContext, p: MemoryEntryPage): string {
  const e = p.entry;
  const facts: [string, string][] = [
    ['key', html`<code>${e.key}</code>`],
    ['type · layer · scope', html`${e.memoryType} · ${e.layer} · ${e.scope}`],
    [
      'owners',
      html`tenant ${e.tenantId ?? '—'} · user ${e.userId ?? '—'} · session ${e.sessionId ?? '—'} · agent
      ${e.agentId ?? '—'}`,
    ],
    ['priority · importance', html`${e.priority} · ${e.importance}`],
    ['tags', html`${e.tags.join(', ') || '—'}`],
    ['source · category', html`${e.source ?? '—'} · ${e.category ?? '—'}`],
    ['created', when(e.createdAt)],
    [
      'version',
      html`v${e.syncVersion}, written !${when(e.updatedAt)} by
      !${workflowOfWriteId(e.lastWriteId) ? workflowLink(ctx.links, workflowOfWriteId(e.lastWriteId), e.lastWriteId ?? undefined) : html`<span class="muted">a direct write</span>`}`,
    ],
    ['expires', when(e.expiresAt)],
    ['accesses', html`${num(e.accessCount)} reads, last !${when(e.lastAccessedAt)}`],
  ];
  const versions = table(
    ['version', 'written', 'replaced', 'layer', 'title', 'value', 'written by'],
    [
      ...(p.current
        ? [
            [
              html`<strong>v${e.syncVersion}</strong> (current)`,
              when(e.updatedAt),
              html`—`,
              html`${e.layer}`,
              html`${e.title ?? ''}`,
              html`${num(p.current.valueBytes)} bytes
                <code title="sha256">${p.current.valueSha256.slice(0, 12)}</code>`,
              html`<code>${e.lastWriteId ?? '—'}</code>`,
            ],
          ]
        : []),
      ...p.versions.map((v) => [
        html`v${v.syncVersion}`,
        when(v.writtenAt),
        when(v.replacedAt),
        html`${v.layer}`,
        html`${v.title ?? ''}`,
        html`${num(v.valueBytes)} bytes <code title="sha256">${v.valueSha256.slice(0, 12)}</code>`,
        html`<code>${v.writeId ?? '—'}</code>`,
      ]),
    ],
    'No earlier version.',
  );
  const body = html`<p><a href="${CONSOLE_PREFIX}/memory">← Memory</a></p>
    <h2>${e.title ?? e.key}</h2>
    <dl class="facts">
      !${facts.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>!${v}</dd>`,
      )}
    </dl>
    <section>
      <h2>Content</h2>
      <pre>${e.content ?? ''}</pre>
      <h2>Value</h2>
      <pre>${json(e.value)}</pre>
      <h2>Metadata</h2>
      <pre>${json(e.metadata)}</pre>
    </section>
    <section>
      <h2>History of versions</h2>
      !${versions}
      <h3>Layer changes</h3>
      !${table(
        ['when', 'from', 'to', 'why'],
        p.layerChanges.map((c) => [when(c.changedAt), html`${c.fromLayer}`, html`${c.toLayer}`, html`${c.reason}`]),
        'The daily cycle has not moved it.',
      )}
      <h3>Archived before</h3>
      !${table(
        ['archived', 'why', 'scope', 'version'],
        p.archived.map((a) => [when(a.archivedAt), html`${a.reason}`, html`${a.scope}`, html`v${a.syncVersion}`]),
        'No earlier entry of this key was archived.',
      )}
    </section>`;
  return page(ctx, 'Memory entry', body);
}
