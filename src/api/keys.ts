/**
 * API keys: create (the key is shown once), list without secrets, revoke. The operator's work
 * (`brainops api-key …`).
 */
import { z } from 'zod';
import { apiKeyCreateSchema } from '../contracts/api';
import { ownerId } from '../contracts/memory';
import type { MemoryStore } from '../memory';
import { notFound } from './errors';
import { operation } from './operation';

/** Key operations. */
export function keyOperations(store: () => Promise<MemoryStore>) {
  return {
    create: operation({
      name: 'keys.create',
      summary: 'Create an API key (shown only now)',
      subject: 'API key',
      what: 'creating API keys',
      input: apiKeyCreateSchema,
      access: 'operator',
      run: async (_caller, input) => (await store()).apiKeys.create(input),
    }),
    list: operation({
      name: 'keys.list',
      summary: 'API keys, newest first, without their secrets',
      subject: 'API keys list',
      what: 'listing API keys',
      input: z.strictObject({ tenantId: ownerId.optional() }),
      access: 'operator',
      run: async (_caller, input) => (await store()).apiKeys.list(input),
    }),
    revoke: operation({
      name: 'keys.revoke',
      summary: 'Revoke an API key by id or prefix',
      subject: 'API key',
      what: 'revoking API keys',
      input: z.strictObject({ key: z.string().min(1).max(200) }),
      access: 'operator',
      run: async (_caller, { key }) => {
        const revoked = await (await store()).apiKeys.revoke(key);
        if (!revoked) throw notFound(`no live API key ${key}`);
        return revoked;
      },
    }),
  };
}
