/**
 * Property-based tests of the text and JSON rule at every input surface (fast-check): hostile
 * values — NUL, lone surrogates, 1 MB strings, depth 10,000, emoji cut in half, 100,000 tags, huge
 * numbers, wrong types — give either a ValidationError naming a field of the input, or a value
 * that is stored and reads back identical. Never a RangeError, never a raw DatabaseError.
 */
import { memoryInput } from '../src/contracts/memory';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../src/contracts/errors';
import { parseInput } from '../src/contracts/validate';
import { addTaskInputSchema, handoffInputSchema, messageInputSchema } from '../src/contracts/session';
import { sessionWorkflowId } from '../src/contracts/names';
import { openStore, testConfig, testWorker, useTestStack, eventually } from './helpers';
import type { MemoryStore } from '../src/memory';

function deepObject(depth: number): unknown {
  const root: Record<string, unknown> = {};
  let c = root;
  for (let i = 0; i < depth; i++) c = (c.a = {}) as Record<string, unknown>;
  return root;
}

const EMOJI = '😀🎉👩‍💻';
/** Strings PostgreSQL may or may not be able to store. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', EMOJI.slice(0, 1), EMOJI.slice(0, 3), EMOJI, ''),
  fc.nat({ max: 9 }).map((n) => EMOJI.repeat(20).slice(0, 2 * n + 1)),
  fc.constantFrom(1_000_001, 100_001, 100_000).map((n) => 'y'.repeat(n)),
);
/** JSON-ish values, some of them not JSON at all or far too deep or big. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(hostileString, fc.oneof(hostileString, fc.double(), fc.integer())) },
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, NaN, Infinity),
  fc.constant(null).map(() => deepObject(10_000)),
  fc.constant(null).map(() => deepObject(64)),
  fc.constant(null).map(() => ({ d: new Date(0) })),
  fc.constant(null).map(() => ({ big: 'z'.repeat(600_000) })),
  fc.constant(undefined),
);
const hostileTags = fc.oneof(
  fc.array(hostileString, { maxLength: 5 }),
  fc.constant(null).map(() => Array.from({ length: 100_000 }, (_, i) => `t${i}`)),
  fc.constant('not-an-array'),
);

/** JSON as PostgreSQL gives it back (-0 is 0; jsonb's key order does not matter to deepEqual). */
const asJson = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Asserts that `error` is a ValidationError whose every issue names one of `fields` (or a path in it). */
function assertNamesField(error: unknown, fields: string[]): void {
  assert.ok(
    error instanceof ValidationError,
    `expected a ValidationError, got ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 200)}`,
  );
  for (const issue of error.issues)
    assert.ok(
      fields.includes(issue.field.split('.')[0]!),
      `issue names a field of the input: "${issue.field}" (${issue.message})`,
    );
}

describe('the input rule at every surface (property-based, real PostgreSQL)', () => {
  const stack = useTestStack();
  let store: MemoryStore;

  it('memory entries: stored and read back identical, or a ValidationError naming the field', async () => {
    store = await openStore(stack.db.url, 0);
    const fields = ['key', 'value', 'title', 'content', 'tags', 'metadata', 'memoryType', 'importance'];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          key: hostileString,
          value: hostileJson,
          title: fc.option(hostileString, { nil: undefined }),
          content: fc.option(hostileString, { nil: undefined }),
          tags: hostileTags,
          metadata: hostileJson,
          importance: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1e308, NaN, '0.5')),
        }),
        async (input) => {
          const entry = { ...input, memoryType: 'knowledge' as const, scope: 'global' as const };
          let stored;
          try {
            stored = await store.entries.store(memoryInput.store(entry as never));
          } catch (error) {
            return assertNamesField(error, fields);
          }
          const back = await store.entries.retrieve(memoryInput.identity({ key: input.key, scope: 'global' }));
          assert.ok(back, 'the stored entry is found by its key');
          assert.equal(back.id, stored.id);
          assert.deepEqual(back.value, asJson(input.value ?? null));
          assert.equal(back.content, input.content ?? null);
          assert.equal(back.title, input.title ?? null);
          assert.deepEqual(back.tags, input.tags);
          assert.deepEqual(back.metadata, asJson(input.metadata));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('memory search: results or a ValidationError naming the query, never a DatabaseError', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, fc.option(hostileTags, { nil: undefined }), async (query, tags) => {
        try {
          assert.ok(Array.isArray(await store.entries.search(memoryInput.search({ query, tags: tags as never }))));
        } catch (error) {
          assertNamesField(error, ['query', 'tags']);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('worst-case content at the limit can be stored and full-text indexed', async () => {
    // Distinct two-character CJK words: the most tsvector bytes per character of input.
    const words: string[] = [];
    for (let i = 0, length = 0; length < 100_000; i++, length += 3)
      words.push(String.fromCharCode(0x4e00 + (i % 20000), 0x4e00 + Math.floor(i / 20000)));
    const content = words.join(' ').slice(0, 100_000);
    const size = await store.pool.query<{ bytes: number }>(
      "select pg_column_size(setweight(to_tsvector('english', $1), 'B')) as bytes",
      [content],
    );
    assert.ok(size.rows[0]!.bytes < 1_048_575 / 2, `tsvector of the worst case: ${size.rows[0]!.bytes} bytes`);
    // Stored and indexed: a realistic entry at the limit.
    const text = Array.from({ length: 20_000 }, (_, i) => `word${i % 5000}`)
      .join(' ')
      .slice(0, 100_000);
    const entry = await store.entries.store(
      memoryInput.store({ key: 'limit/at-limit', content: text, memoryType: 'knowledge' }),
    );
    assert.equal((await store.entries.retrieve(memoryInput.identity({ key: 'limit/at-limit' })))?.content, text);
    assert.ok(entry.id);
    await assert.rejects(
      async () =>
        store.entries.store(
          memoryInput.store({ key: 'limit/too-long', content: 'w '.repeat(500_000), memoryType: 'knowledge' }),
        ),
      (e) => e instanceof ValidationError && e.issues[0]?.field === 'content',
    );
  });

  it('session messages, tasks and handoffs: a ValidationError naming the field, or stored identical', async () => {
    const ref = { tenantId: 'prop', sessionId: 'messages' };
    await store.sessions.open({ ...ref, workflowId: 'w' });
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          role: fc.oneof(fc.constantFrom('user', 'assistant'), hostileString),
          content: hostileString,
          metadata: fc.option(hostileJson, { nil: undefined }),
          messageId: fc.option(hostileString, { nil: undefined }),
        }),
        async (raw) => {
          let message;
          try {
            message = parseInput(messageInputSchema, raw, 'message');
          } catch (error) {
            return assertNamesField(error, ['role', 'content', 'metadata', 'messageId']);
          }
          seq++;
          const result = await store.sessions.appendMessage({ ...ref, message: { ...message, messageId: `p${seq}` } });
          assert.deepEqual(result, { seq, messageId: `p${seq}`, status: 'stored' });
          const [back] = await store.sessions.listMessages({ ...ref, afterSeq: seq - 1, limit: 1 });
          assert.equal(back?.content, message.content);
          assert.deepEqual(back?.metadata, asJson(message.metadata ?? {}));
        },
      ),
      { numRuns: 80 },
    );
    fc.assert(
      fc.property(hostileString, hostileString, hostileJson, (title, reason, info) => {
        for (const [schema, input, fields] of [
          [addTaskInputSchema, { title, description: reason }, ['title', 'description']],
          [handoffInputSchema, { toAgent: 'a', reason, criticalInfo: info }, ['reason', 'criticalInfo']],
        ] as const) {
          try {
            parseInput(schema as never, input, 'input');
          } catch (error) {
            assertNamesField(error, [...fields]);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a session fed hostile signals stores every good message and quarantines the rest', async () => {
    const config = testConfig(stack.db.url);
    const client = stack.client(config);
    const worker = await testWorker(stack.env, config, stack.store);
    let run = 0;
    await worker.runUntil(() =>
      fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              role: fc.constantFrom('user', 'robot'),
              content: hostileString,
              metadata: fc.option(hostileJson, { nil: undefined }),
            }),
            { minLength: 1, maxLength: 8 },
          ),
          async (messages) => {
            const ref = { tenantId: 'prop', sessionId: `signals-${++run}` };
            await client.startSession(ref);
            const handle = stack.env.client.workflow.getHandle(sessionWorkflowId(ref.tenantId, ref.sessionId));
            const good: string[] = [];
            let bad = 0;
            for (const m of messages) {
              // Values this client cannot serialise (too deep), or larger than Temporal's 2 MB
              // payload limit, cannot be sent as a signal at all: the server refuses them.
              let json: string;
              try {
                json = JSON.stringify(m);
                if (json.length > 1_900_000) throw new Error('too large for a signal');
              } catch {
                continue;
              }
              // The workflow judges what arrives: the signal's JSON (a Date arrives as its ISO string).
              let wire: unknown = m;
              try {
                wire = JSON.parse(json);
              } catch {
                // too deep to parse back here; judged as sent
              }
              if (messageInputSchema.safeParse(wire).success) good.push(m.content);
              else bad++;
              await handle.signal('addMessage', m as never);
            }
            await eventually(
              async () => {
                const c = await client.sessionContext(ref);
                return c.conversation.persistedThrough === good.length && c.conversation.quarantined === bad
                  ? true
                  : undefined;
              },
              15_000,
              `session ${ref.sessionId}: ${good.length} stored, ${bad} quarantined`,
            );
            await client.endSession(ref);
            const stored = await stack.store.sessions.listMessages(ref);
            assert.deepEqual(
              stored.map((s) => s.content),
              good,
            );
            assert.equal((await stack.store.sessions.listQuarantinedMessages(ref)).length, bad);
          },
        ),
        { numRuns: 4 },
      ),
    );
    await store.close();
  });
});
