/** True when `root`'s dist/ is at least as new as its sources (src/ and temporal.config.ts). */
export function isBuildFresh(root: string): boolean;
