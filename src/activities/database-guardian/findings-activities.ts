/** Performance findings of the guarded databases, and recording findings of every family. */
import type { Finding } from '../../contracts/database-guardian';
import type { FindingThresholds, GuardedDatabase } from '../../contracts/guarded-database';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import { collectFindings, familyKinds, findingKey, findingKeyPrefix, type FindingFamily } from './findings';
import { heartbeat } from './support';
import { guardedDatabase, withConnection } from './targets';

export function createFindingsActivities(
  { store }: ActivityDeps,
  databases: GuardedDatabase[],
  thresholds: FindingThresholds,
) {
  return {
    /** Performance findings of one database (read-only statistics queries). */
    async collectFindings(input: { database: string }): Promise<Finding[]> {
      const db = guardedDatabase(databases, input.database);
      return withConnection(db.url, (c) => collectFindings(c, db.name, thresholds, () => heartbeat()));
    },

    /**
     * Stores findings as insight entries (a repeat updates its entry and counts one more
     * sighting) and resolves open findings of the same family this run no longer sees.
     */
    async recordFindings(input: {
      database: string;
      family: FindingFamily;
      findings: Finding[];
    }): Promise<{ recorded: number; resolved: number; keys: string[] }> {
      const writeId = activityWriteId();
      const seenAt = new Date();
      // One row per key: `INSERT … ON CONFLICT DO UPDATE` may not change the same row twice in one
      // command, so a batch naming a key twice would fail (PostgreSQL docs, "INSERT").
      const byKey = new Map<string, Omit<Finding, 'object'> & { key: string }>();
      for (const { object, ...f } of input.findings) {
        const key = findingKey(input.database, { kind: f.kind, object });
        if (!byKey.has(key)) byKey.set(key, { ...f, key });
      }
      const insights = [...byKey.values()];
      const recorded = await store.insights.recordObservations({
        insights,
        source: 'DatabaseGuardian',
        writeId,
        seenAt,
      });
      const resolved = await store.insights.resolveObservations({
        keyPrefix: findingKeyPrefix(input.database),
        seenKeys: insights.map((i) => i.key),
        resolvedAt: seenAt,
        ...familyKinds(input.family),
      });
      return { recorded: recorded.length, resolved, keys: insights.map((i) => i.key) };
    },
  };
}
