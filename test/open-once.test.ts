/**
 * `openOnce` (src/api/open-store.ts), how the API opens its store and Temporal client on first
 * use: concurrent callers share one open, and a failed open is tried again by the next call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openOnce } from '../src/api/open-store';

describe('openOnce', () => {
  it('shares one open between concurrent callers, and keeps what it opened', async () => {
    let opens = 0;
    const once = openOnce(async () => {
      opens++;
      await new Promise((r) => setTimeout(r, 10));
      return { n: opens };
    });
    assert.equal(once.opened(), undefined, 'nothing opened before the first call');
    const [a, b] = await Promise.all([once.get(), once.get()]);
    assert.equal(a, b);
    assert.equal(await once.get(), a);
    assert.equal(opens, 1);
    assert.equal(await once.opened(), a);
  });

  it('tries again after a failed open instead of failing every call after it', async () => {
    let opens = 0;
    const once = openOnce(async () => {
      opens++;
      if (opens === 1) throw new Error('connection refused');
      return 'open';
    });
    await assert.rejects(once.get(), /connection refused/);
    assert.equal(once.opened(), undefined, 'the failure is not kept');
    assert.equal(await once.get(), 'open');
    assert.equal(opens, 2);
  });
});
