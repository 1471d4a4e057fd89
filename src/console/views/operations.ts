/**
 * Deployments and DatabaseGuardian (the operator's): deployments with their steps and rollbacks,
 * backups with their restore verification, performance findings, and schema syncs that applied
 * migrations.
 */
import type { OperationsPage } from '../model';
import { page, type PageContext } from './layout';
import { ago, badge, duration, html, json, num, pct, table, when, workflowLink } from './parts';

function bytes(n: number | null): string {
  if (n === null) return '—';
  return n < 1024 * 1024 ? `${num(Math.round(n / 1024))} KiB` : `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export function operationsPage(ctx: PageContext, p: OperationsPage): string {
  const deployments = p.deployments.map(
    (d) =>
      html`<article class="deployment">
        <h3>
          ${d.target} <code>${d.ref}</code> !${badge(d.status)}
          <span class="muted">${d.kind}, by ${d.startedBy}, !${when(d.startedAt)}</span>
        </h3>
        <p>
          commit <code>${d.commit?.slice(0, 12) ?? '—'}</code> · risk
          ${pct(d.risk)}${d.riskReasons.length ? ` (${d.riskReasons.join('; ')})` : ''} ·
          !${workflowLink(ctx.links, d.workflowId)}
        </p>
        !${d.errorMessage ? html`<p class="error">${d.failedStep ?? ''}: ${d.errorMessage}</p>` : ''}
        !${
          d.rollback
            ? html`<p>
                Rolled back to <code>${d.rollback.to?.slice(0, 12) ?? 'nothing'}</code>,
                ${d.rollback.verified ? 'verified' : 'not verified'}
              </p>`
            : ''
        }
        !${table(
          ['#', 'step', 'environment', 'status', 'exit', 'took', 'output'],
          (d.steps ?? []).map((s) => [
            html`${s.seq}`,
            html`${s.name}`,
            html`${s.environment ?? '—'}`,
            badge(s.status),
            html`${s.exitCode ?? '—'}`,
            html`${duration(s.durationMs)}`,
            s.logTail || s.error
              ? html`<details>
                  <summary>tail</summary>
                  <pre>
${s.error ?? ''}
${s.logTail ?? ''}</pre>
                </details>`
              : '',
          ]),
          'No steps recorded.',
        )}
      </article>`,
  );
  const body = html`<section>
      <h2>Deployments</h2>
      !${deployments.length ? deployments : html`<p class="muted">No deployment yet (targets in BRAINOPS_DEPLOY_TARGETS).</p>`}
    </section>
    <section>
      <h2>Backups</h2>
      !${table(
        ['database', 'status', 'taken', 'size', 'sha256', 'verification', 'workflow'],
        p.backups.map((b) => [
          html`${b.databaseName}`,
          badge(b.status),
          when(b.startedAt),
          html`${bytes(b.sizeBytes)}`,
          html`<code>${b.sha256?.slice(0, 12) ?? '—'}</code>`,
          b.verification
            ? html`verified !${when(b.verifiedAt)}
                <details>
                  <summary>restore check</summary>
                  <pre>${json(b.verification, 4000)}</pre>
                </details>`
            : html`<span class="muted">${b.error ?? 'not verified'}</span>`,
          workflowLink(ctx.links, b.workflowId),
        ]),
        'No backup yet (the backup schedule runs daily; `npx brainops db backup` now).',
      )}
    </section>
    <section>
      <h2>Findings</h2>
      !${table(
        ['severity', 'finding', 'recommended action', 'status', 'seen'],
        p.findings.map((f) => [
          badge(f.severity),
          html`<strong>${f.title ?? f.key}</strong><br /><span class="muted">${f.detail ?? ''}</span>`,
          html`${f.recommendedAction ?? '—'}`,
          html`${f.status ?? '—'}`,
          html`${ago(f.updatedAt)}`,
        ]),
        'No findings (DatabaseGuardian looks every hour; `npx brainops db findings` now).',
      )}
    </section>
    <section>
      <h2>Schema syncs that applied migrations</h2>
      !${table(
        ['when', 'database', 'applied', 'failed', 'workflow'],
        p.migrations.map((m) => [
          when(m.startedAt),
          html`${m.databaseName}`,
          html`${m.applied.join(', ') || '—'}`,
          html`${m.failed ? `${m.failed}: ${m.error ?? ''}` : '—'}`,
          workflowLink(ctx.links, m.workflowId),
        ]),
        'None.',
      )}
    </section>`;
  return page(ctx, 'Deployments and DatabaseGuardian', body);
}
