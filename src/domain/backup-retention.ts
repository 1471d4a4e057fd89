/**
 * Backup retention: keep the newest verified backup of each of the last `keepDaily` days that
 * have one, and the newest verified backup of each of the last `keepWeekly` ISO weeks that have
 * one (days and weeks in UTC); prune every other verified backup and every failed one. The newest
 * verified backup is always kept (even with both counts 0: the last restorable copy is never
 * removed). Backups still `taken` (not yet verified) are left alone. Pure: the caller removes the
 * files.
 */

export interface RetentionCandidate {
  id: number;
  startedAt: Date;
  status: 'taken' | 'verified' | 'failed' | 'pruned';
}

export interface RetentionPlan {
  keep: { id: number; reasons: string[] }[];
  prune: number[];
}

/** `YYYY-MM-DD` (UTC). */
function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** ISO week `YYYY-Www` (UTC): weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekOf(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function retentionPlan(backups: RetentionCandidate[], keepDaily: number, keepWeekly: number): RetentionPlan {
  const verified = backups
    .filter((b) => b.status === 'verified')
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id - a.id);
  const reasons = new Map<number, string[]>();
  const keepNewestPer = (bucket: (d: Date) => string, count: number, label: string) => {
    const seen = new Set<string>();
    for (const b of verified) {
      const key = bucket(b.startedAt);
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      reasons.set(b.id, [...(reasons.get(b.id) ?? []), `${label} ${key}`]);
    }
  };
  if (verified[0]) reasons.set(verified[0].id, ['newest verified']);
  keepNewestPer(dayOf, keepDaily, 'daily');
  keepNewestPer(isoWeekOf, keepWeekly, 'weekly');
  return {
    keep: [...reasons].map(([id, why]) => ({ id, reasons: why })),
    prune: backups
      .filter((b) => (b.status === 'verified' && !reasons.has(b.id)) || b.status === 'failed')
      .map((b) => b.id),
  };
}
