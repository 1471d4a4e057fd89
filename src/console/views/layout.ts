/**
 * The shell of every console page: the head (BrainOps' own stylesheet and scripts, no CDN), the
 * navigation (operator pages only for the operator), who is signed in with a sign-out button, and
 * the page's body. htmx is configured here: no inline styles or eval (the content security policy
 * forbids both), no history kept in localStorage (pages hold a tenant's data), and error answers
 * shown like any other.
 */
import { html, type TemporalLinks } from './parts';
import type { Viewer } from '../model';

/** Where the console lives under the API server. */
export const CONSOLE_PREFIX = '/console';

/** What every page is rendered with. */
export interface PageContext {
  viewer: Viewer;
  /** The CSRF token forms send back (`_csrf`). */
  csrf: string;
  links: TemporalLinks;
  /** The path of the page (for the navigation's current item). */
  path: string;
}

const NAV: { href: string; label: string; operator?: boolean }[] = [
  { href: '', label: 'Overview' },
  { href: '/memory', label: 'Memory' },
  { href: '/sessions', label: 'Sessions' },
  { href: '/errors', label: 'Errors and fixes' },
  { href: '/learning', label: 'Learning' },
  { href: '/procedures', label: 'Procedures', operator: true },
  { href: '/operations', label: 'Deployments and DatabaseGuardian', operator: true },
];

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '.*', swap: true },
  ],
});

/** The head shared by the pages and the sign-in page. */
function head(title: string): string {
  return html`<meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="htmx-config" content="${HTMX_CONFIG}" />
    <link rel="icon" href="data:," />
    <title>${title} · BrainOps console</title>
    <link rel="stylesheet" href="${CONSOLE_PREFIX}/assets/uPlot.min.css" />
    <link rel="stylesheet" href="${CONSOLE_PREFIX}/assets/console.css" />
    <script defer src="${CONSOLE_PREFIX}/assets/htmx.min.js"></script>
    <script defer src="${CONSOLE_PREFIX}/assets/uPlot.iife.min.js"></script>
    <script type="module" src="${CONSOLE_PREFIX}/assets/console.mjs"></script>`;
}

/**
 * The head of the pages an anonymous visitor gets (sign-in, and a refusal of it): nothing but the
 * page itself, its stylesheet inline (allowed by its hash in the content security policy).
 */
function anonymousHead(title: string, css: string): string {
  return html`<meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · BrainOps console</title>
    <link rel="icon" href="data:," />
    <style>
      !${css}
    </style>`;
}

/** A hidden field with the CSRF token, for every form that changes something. */
export function csrfField(ctx: Pick<PageContext, 'csrf'>): string {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
}

function who(v: Viewer): string {
  return v.operator
    ? html`<strong>operator</strong> <span class="muted">(operator key ${v.actor}: every tenant)</span>`
    : html`tenant <strong>${v.tenantId}</strong> <span class="muted">(${v.role} key ${v.actor})</span>`;
}

/** A whole page: navigation, who is signed in, and `body` (HTML built by the page). */
export function page(ctx: PageContext, title: string, body: string): string {
  const current = ctx.path.replace(/\/$/, '');
  const nav = NAV.filter((n) => !n.operator || ctx.viewer.operator).map((n) => {
    const href = `${CONSOLE_PREFIX}${n.href}`;
    const active = n.href === '' ? current === CONSOLE_PREFIX : current.startsWith(href);
    return html`<a href="${href}" class="${active ? 'active' : ''}" !${active ? 'aria-current="page"' : ''}
      >${n.label}</a
    >`;
  });
  return `<!doctype html>${html`<html lang="en">
    <head>
      !${head(title)}
    </head>
    <body>
      <header>
        <a class="brand" href="${CONSOLE_PREFIX}">BrainOps</a>
        <nav>!${nav}</nav>
        <div class="who">
          !${who(ctx.viewer)}
          <form method="post" action="${CONSOLE_PREFIX}/sign-out">
            !${csrfField(ctx)}
            <button type="submit" class="link">Sign out</button>
          </form>
        </div>
      </header>
      <main>
        <h1>${title}</h1>
        !${body}
      </main>
    </body>
  </html>`}`;
}

/** The sign-in page: the only page served to someone not signed in. */
export function signInPage(opts: { csrf: string; next: string; error?: string; css: string }): string {
  return `<!doctype html>${html`<html lang="en">
    <head>
      !${anonymousHead('Sign in', opts.css)}
    </head>
    <body class="sign-in">
      <main>
        <h1>BrainOps console</h1>
        <p>
          Sign in with an API key (<code>npx brainops api-key create --tenant acme --role reader</code>). A tenant's key
          shows that tenant; an operator key (<code>npx brainops api-key create --operator</code>) shows every tenant.
        </p>
        !${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
        <form method="post" action="${CONSOLE_PREFIX}/sign-in">
          <input type="hidden" name="_csrf" value="${opts.csrf}" />
          <input type="hidden" name="next" value="${opts.next}" />
          <label>API key <input type="password" name="key" autocomplete="off" required autofocus /></label>
          <button type="submit">Sign in</button>
        </form>
      </main>
    </body>
  </html>`}`;
}

/**
 * A page that says why something cannot be shown or done (403, 404, 400, 409); without a signed-in
 * context it is an anonymous page with `css` inline.
 */
export function problemPage(ctx: PageContext | null, title: string, message: string, css = ''): string {
  const body = html`<p class="error" role="alert">${message}</p>
    <p><a href="${CONSOLE_PREFIX}">Back to the overview</a></p>`;
  if (ctx) return page(ctx, title, body);
  return `<!doctype html>${html`<html lang="en">
    <head>
      !${anonymousHead(title, css)}
    </head>
    <body class="sign-in">
      <main>
        <h1>${title}</h1>
        !${body}
      </main>
    </body>
  </html>`}`;
}
