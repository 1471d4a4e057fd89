/**
 * Which failures of a Temporal call say "not answering, try again": the errors the client really
 * throws, from the test server and from an address where nothing listens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { isTemporalNotAnswering } from '../src/client/connection';
import { useTestStack, closedLoopbackPort, rejectionOf } from './helpers';

describe('Temporal calls that may succeed when tried again (real Temporal)', () => {
  const stack = useTestStack({ database: false });

  it('a schedule call past its deadline is "not answering", though its message says only "Failed to describe schedule"', async () => {
    const connection = stack.env.client.connection as Connection;
    const client = new Client({ connection, namespace: 'default' });
    const error = await rejectionOf(() =>
      connection.withDeadline(Date.now() + 1, () => client.schedule.getHandle('never-created').describe()),
    );
    assert.doesNotMatch((error as Error).message, /DEADLINE_EXCEEDED/);
    assert.equal(isTemporalNotAnswering(error), true);
  });

  it('a call to an address where nothing listens is "not answering"', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedLoopbackPort()}`, connectTimeout: '2s' });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const error = await rejectionOf(() =>
        connection.withDeadline(Date.now() + 1500, () => client.schedule.getHandle('any').describe()),
      );
      assert.equal(isTemporalNotAnswering(error), true, String(error));
    } finally {
      await connection.close();
    }
  });

  it('an answer that says no (a schedule that does not exist) is not', async () => {
    const client = new Client({ connection: stack.env.client.connection as Connection, namespace: 'default' });
    const error = await rejectionOf(() => client.schedule.getHandle('never-created').describe());
    assert.equal(isTemporalNotAnswering(error), false);
    assert.equal(isTemporalNotAnswering(new Error('4 DEADLINE_EXCEEDED in a message only')), false);
  });
});
