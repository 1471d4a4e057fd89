/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`)
 * against a real API server (as the stack serves it), Temporal dev server and PostgreSQL: nothing
 * but the sign-in page for an anonymous visitor; the operator signs in with an operator key, opens
 * every page without a console error, runs a search, approves a blocked procedure step and
 * resolves an escalation, each recorded with who; a tenant's key — an `admin` one too — sees its
 * tenant only, also when a URL is edited by hand, and may not act; an action without the CSRF
 * token is refused; stored text is shown as text, never run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LAYERS, memoryInput } from '../src/memory';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import { launchChromium, watchPage } from './browser';
import { eventually, logger, testConfig, testWorker, useTestStack, type OperatorClient } from './helpers';

const XSS = '<img src=x onerror="alert(1)">';

describe('web console (real Chromium, real Temporal, real PostgreSQL)', () => {
  let server: ServedApi;
  let browser: Browser;
  let client: OperatorClient;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  let running: Promise<void>;
  // Registered before the stack's own hooks, so it runs first: the worker stops before the server.
  after(async () => {
    await browser?.close();
    await server?.close();
    worker?.shutdown();
    await running;
  });
  const stack = useTestStack();
  const key: Record<'operator' | 'acme' | 'acmeAdmin' | 'globex', string> = {
    operator: '',
    acme: '',
    acmeAdmin: '',
    globex: '',
  };
  const ids = { acmeEntry: '', globexEntry: '', procedureRun: '', signature: '' };
  const config = () => {
    const base = testConfig(stack.db.url);
    return {
      ...base,
      api: { ...base.api, host: '127.0.0.1' },
      errorLearning: {
        ...base.errorLearning,
        remediations: { 'restart-cache': { kind: 'wait' as const, delayMs: 1 } },
        escalationTimeoutMs: 120_000,
      },
      console: { ...base.console, temporalUiUrl: 'http://127.0.0.1:8233' },
    };
  };

  before(async () => {
    const cfg = config();
    worker = await testWorker(stack.env, cfg, stack.store);
    running = worker.run();
    client = stack.client(cfg);
    const keys = stack.store.apiKeys;
    key.operator = (await keys.create({ operator: true, name: 'on call' })).key;
    key.acme = (await keys.create({ tenantId: 'acme', role: 'reader', name: 'acme reader' })).key;
    key.acmeAdmin = (await keys.create({ tenantId: 'acme', role: 'admin', name: 'acme admin' })).key;
    key.globex = (await keys.create({ tenantId: 'globex', role: 'writer' })).key;
    server = await serveApi({ config: cfg, logger, store: stack.store, client }, 0);
    browser = await launchChromium();

    // Sessions and entries of two tenants; a health run; a blocked procedure; an escalated error.
    for (const tenantId of ['acme', 'globex']) {
      await client.startSession({ tenantId, sessionId: `${tenantId}-demo`, agentId: 'general_assistant' });
      await client.sendMessage(
        { tenantId, sessionId: `${tenantId}-demo` },
        { role: 'user', content: `Our ${tenantId} checkout fails` },
      );
      await client.addTask(
        { tenantId, sessionId: `${tenantId}-demo` },
        { title: 'Review the auth module', priority: 'high' },
      );
    }
    ids.acmeEntry = (
      await stack.store.entries.store(
        memoryInput.store({
          key: 'runbook/db',
          tenantId: 'acme',
          scope: 'tenant',
          memoryType: 'knowledge',
          title: `DB failover runbook ${XSS}`,
          content: 'how we fail over the database',
          value: { steps: 3 },
        }),
      )
    ).id;
    await stack.store.entries.store(
      memoryInput.store({
        key: 'runbook/db',
        tenantId: 'acme',
        scope: 'tenant',
        memoryType: 'knowledge',
        title: 'DB failover runbook',
        content: 'how we fail over the database, second edition',
        value: { steps: 4 },
      }),
    );
    ids.globexEntry = (
      await stack.store.entries.store(
        memoryInput.store({
          key: 'secret/plan',
          tenantId: 'globex',
          scope: 'tenant',
          memoryType: 'knowledge',
          title: 'Globex plan',
          content: 'globex only',
        }),
      )
    ).id;
    await client.runMonitor();
    await client.defineProcedure({
      name: 'console-op',
      version: 1,
      enforcement: 'strict',
      steps: [
        { id: 'restart', kind: 'remediation', action: 'restart-cache' },
        { id: 'confirm', kind: 'approval', prompt: 'all good?' },
      ],
    });
    ids.procedureRun = (await client.runProcedure({ name: 'console-op', startedBy: 'test' })).workflowId;
    await eventually(async () =>
      (await client.procedures.status(ids.procedureRun)).state === 'blocked' ? true : undefined,
    );
    const reported = await client.reportError({
      errorType: 'CacheError',
      message: 'checkout cache exploded at 12:00',
      source: 'shop',
      tenantId: 'acme',
    });
    ids.signature = reported.signature;
    await eventually(
      async () => {
        const [e] = await stack.store.errorEvents.list({ id: reported.errorEventId, allTenants: true, limit: 1 });
        return e?.status === 'escalated' ? true : undefined;
      },
      30_000,
      'the escalation',
    );
  });

  const url = (path: string) => `${server.url}${path}`;

  async function signIn(k: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { problems } = watchPage(page);
    await page.goto(url('/console'));
    assert.match(page.url(), /\/console\/sign-in/, 'sent to the sign-in page');
    await page.fill('input[name=key]', k);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/sign-in')), page.click('button[type=submit]')]);
    return { context, page, problems };
  }

  it('serves nothing but the sign-in page to an anonymous visitor', async () => {
    for (const path of [
      '/console',
      '/console/memory',
      '/console/memory/search?q=x',
      `/console/memory/entries/${ids.acmeEntry}`,
      '/console/sessions',
      '/console/sessions/acme/acme-demo',
      '/console/errors',
      '/console/learning',
      '/console/procedures',
      '/console/operations',
      '/console/assets/console.css',
      '/console/assets/htmx.min.js',
      '/console/nothing-here',
    ]) {
      const answer = await fetch(url(path), { redirect: 'manual' });
      assert.equal(answer.status, 303, path);
      assert.match(answer.headers.get('location') ?? '', /^\/console\/sign-in\?next=/, path);
      await answer.body?.cancel();
    }
    const action = await fetch(url('/console/procedures/approve'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `workflowId=${encodeURIComponent(ids.procedureRun)}&reason=x`,
    });
    assert.equal(action.status, 401);
    const signInPage = await fetch(url('/console/sign-in'));
    assert.equal(signInPage.status, 200);
    assert.match(signInPage.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(await signInPage.text(), /<script/, 'the sign-in page loads nothing else');
  });

  it('refuses an unknown key, and sets an HttpOnly SameSite=Strict session cookie for a good one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/console/sign-in'));
    await page.fill('input[name=key]', 'bo_not-a-key');
    await page.click('button[type=submit]');
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /unknown or revoked/);
    await page.fill('input[name=key]', key.acme);
    await Promise.all([page.waitForURL(/\/console$/), page.click('button[type=submit]')]);
    const session = (await context.cookies()).find((c) => c.name === 'brainops_console');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/console');
    await context.close();
  });

  it('opens every page for the operator without a console error, and runs a search', async () => {
    const { context, page, problems } = await signIn(key.operator);
    const pages: [string, RegExp][] = [
      ['/console', /Health/],
      ['/console/memory', /Entries/],
      [`/console/memory/entries/${ids.acmeEntry}`, /History of versions/],
      ['/console/sessions', /acme-demo/],
      ['/console/sessions/acme/acme-demo', /Our acme checkout fails/],
      ['/console/errors', /Error patterns/],
      [`/console/errors/signature?s=${encodeURIComponent(ids.signature)}`, /Answer the escalation/],
      ['/console/learning', /System improvement/],
      ['/console/procedures', /Waiting for a person/],
      [`/console/procedures/run?id=${encodeURIComponent(ids.procedureRun)}`, /Step events/],
      ['/console/operations', /Backups/],
    ];
    for (const [path, expected] of pages) {
      const answer = await page.goto(url(path));
      assert.equal(answer?.status(), 200, path);
      assert.match(await page.locator('main').innerText(), expected, path);
    }
    // The overview shows the sessions, health and charts drawn by uPlot.
    await page.goto(url('/console'));
    assert.match(await page.locator('main').innerText(), /memory-database/);
    await page.locator('figure[data-chart] canvas').first().waitFor();
    // The entry shows its earlier version and its title as text.
    await page.goto(url(`/console/memory/entries/${ids.acmeEntry}`));
    assert.match(await page.locator('main').innerText(), /v1/);
    // A search through the form: htmx swaps the results in, each score shown as its parts.
    await page.goto(url('/console/memory'));
    await page.fill('input[name=q]', 'fail over the database');
    await page.fill('input[name=tenant]', 'acme');
    await page.click('form[action="/console/memory/search"] button[type=submit]');
    await page.locator('#results ol.hits li').first().waitFor();
    assert.match(await page.locator('#results').innerText(), /lexical \(BM25\)/);
    assert.ok((await page.locator('#results meter').count()) > 0, 'score parts as meters');
    assert.match(page.url(), /\/console\/memory\/search\?q=/, 'the URL follows the search');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('approves a blocked procedure step from the page, recorded with who', async () => {
    const { context, page, problems } = await signIn(key.operator);
    await page.goto(url('/console/procedures'));
    const waiting = page.locator('article.waiting', { hasText: 'console-op' });
    await waiting.locator('form[action="/console/procedures/approve"] input[name=reason]').fill('an emergency');
    await Promise.all([
      page.waitForURL(/\/console\/procedures\/run\?id=/),
      waiting.locator('form[action="/console/procedures/approve"] button').click(),
    ]);
    const status = await eventually(async () => {
      const s = await client.procedures.status(ids.procedureRun);
      return s.state === 'waiting-approval' ? s : undefined;
    });
    assert.equal(status.steps.find((s) => s.id === 'restart')?.status, 'succeeded');
    const events = await stack.store.procedures.listStepEvents({ workflowId: ids.procedureRun });
    assert.ok(
      events.some((e) => e.event === 'released' && /on call/.test(e.approvedBy ?? '')),
      JSON.stringify(events),
    );
    await page.reload();
    assert.match(await page.locator('main').innerText(), /procedure\.approve[\s\S]*an emergency|on call/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('resolves an escalation from the page: the fix is learned, naming who', async () => {
    const { context, page, problems } = await signIn(key.operator);
    await page.goto(url(`/console/errors/signature?s=${encodeURIComponent(ids.signature)}`));
    await page.selectOption('select[name=action]', 'restart-cache');
    await page.fill('input[name=description]', 'restarted the checkout cache');
    await Promise.all([
      page.waitForLoadState('load'),
      page.click('form:has(input[value=resolve]) button[type=submit]'),
    ]);
    await eventually(
      async () => {
        const events = await stack.store.errorEvents.list({ signature: ids.signature, allTenants: true });
        return events.every((e) => e.status === 'resolved') ? true : undefined;
      },
      30_000,
      'the errors resolved',
    );
    const solutions = await stack.store.knowledge.listSolutions({});
    const learned = solutions.find((s) => s.problemSignature === ids.signature);
    assert.equal(learned?.action, 'restart-cache');
    assert.match(
      learned?.description ?? '',
      /restarted the checkout cache \(by bo_[\w-]+… \(on call\), in the console\)/,
    );
    await page.reload();
    assert.match(await page.locator('main').innerText(), /escalation\.resolve/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('shows a tenant its own objects only, also by edited URLs, and lets it act on nothing', async () => {
    const { context, page, problems } = await signIn(key.acme);
    const nav = await page.locator('header nav').innerText();
    assert.doesNotMatch(nav, /Procedures|DatabaseGuardian/, 'no operator pages in the navigation');
    await page.goto(url('/console/sessions'));
    const sessions = await page.locator('main').innerText();
    assert.match(sessions, /acme-demo/);
    assert.doesNotMatch(sessions, /globex/);
    await page.goto(url('/console/memory'));
    assert.doesNotMatch(await page.locator('main').innerText(), /Globex plan/);
    // The refusals below are answered 404 and 403, which Chromium reports as console errors.
    const expected = problems.length;
    for (const path of [
      '/console/sessions/globex/globex-demo',
      `/console/memory/entries/${ids.globexEntry}`,
      '/console/memory?tenant=globex',
    ]) {
      const answer = await page.goto(url(path));
      const text = await page.locator('main').innerText();
      assert.doesNotMatch(text, /globex only|Globex plan|Our globex checkout/, path);
      if (!path.includes('?')) assert.equal(answer?.status(), 404, path);
    }
    for (const path of [
      '/console/procedures',
      '/console/operations',
      `/console/procedures/run?id=${encodeURIComponent(ids.procedureRun)}`,
    ]) {
      const answer = await page.goto(url(path));
      assert.equal(answer?.status(), 403, path);
    }
    assert.ok(
      problems.splice(expected).every((p) => /status of 40[34]/.test(p)),
      'only the refusals',
    );
    // A valid CSRF token (from its own page) does not make an operator action the tenant's.
    await page.goto(url('/console'));
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    const approve = await page.request.post(url('/console/procedures/approve'), {
      form: { _csrf: token, workflowId: ids.procedureRun, reason: 'not mine' },
      maxRedirects: 0,
    });
    assert.equal(approve.status(), 403);
    const answer = await page.request.post(url('/console/errors/answer'), {
      form: { _csrf: token, signature: ids.signature, kind: 'ignore' },
      maxRedirects: 0,
    });
    assert.equal(answer.status(), 403);
    // The stored title is text on the page, never markup.
    await page.goto(url(`/console/memory/entries/${ids.acmeEntry}`));
    await page.goto(url('/console/memory'));
    assert.match(await page.locator('main').innerText(), /DB failover runbook/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('shows an admin key of a tenant its tenant only: it is its tenant’s admin, not the operator', async () => {
    const { context, page, problems } = await signIn(key.acmeAdmin);
    assert.match(await page.locator('header').innerText(), /tenant\s+acme\s+\(admin key/);
    await page.goto(url('/console/sessions'));
    assert.doesNotMatch(await page.locator('main').innerText(), /globex/);
    const expected = problems.length;
    for (const path of ['/console/procedures', '/console/operations'])
      assert.equal((await page.goto(url(path)))?.status(), 403, path);
    assert.equal((await page.goto(url('/console/sessions/globex/globex-demo')))?.status(), 404);
    await page.goto(url('/console'));
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    const answer = await page.request.post(url('/console/errors/answer'), {
      form: { _csrf: token, signature: ids.signature, kind: 'retry' },
      maxRedirects: 0,
    });
    assert.equal(answer.status(), 403);
    assert.ok(
      problems.splice(expected).every((p) => /status of 40[34]/.test(p)),
      'only the refusals',
    );
    await context.close();
  });

  it('counts memory from the planner’s statistics when the table is large (no scan per view)', async () => {
    await stack.store.pool.query('analyze memory_entries');
    const estimate = await stack.store.console.entryCountEstimate();
    assert.equal(estimate.basis, 'estimate');
    assert.ok((estimate.byScope.tenant ?? 0) >= 1, JSON.stringify(estimate));
    assert.ok(Object.keys(estimate.byLayer).every((l) => (LAYERS as readonly string[]).includes(l)));
  });

  it('refuses an action without its CSRF token', async () => {
    const { context, page } = await signIn(key.operator);
    const before = await client.procedures.status(ids.procedureRun);
    const refused = await page.request.post(url('/console/procedures/approve'), {
      form: { workflowId: ids.procedureRun, reason: 'no token' },
      maxRedirects: 0,
    });
    assert.equal(refused.status(), 403);
    const wrong = await page.request.post(url('/console/procedures/approve'), {
      form: { _csrf: 'forged', workflowId: ids.procedureRun, reason: 'forged token' },
      maxRedirects: 0,
    });
    assert.equal(wrong.status(), 403);
    assert.deepEqual((await client.procedures.status(ids.procedureRun)).state, before.state, 'nothing happened');
    await context.close();
  });
});
