/**
 * A conversation in one line, as snapshots and the context show it: "15 messages (8 from user,
 * 7 from assistant)". Pure: the workflow and the memory store both use it.
 */
export function conversationSummary(messageCount: number, roleCounts: Record<string, number>): string {
  const parts = Object.entries(roleCounts)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([role, n]) => `${n} from ${role}`);
  return `${messageCount} messages${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
