// Types of scripts/build.mjs for the TypeScript that calls it (the test setup, the benchmark).
export type BuildState = 'fresh' | 'stale' | 'missing' | 'no-sources';
export const DIST: string;
export function sourcesFingerprint(): string;
export function buildState(): BuildState;
export function build(opts?: { force?: boolean }): Promise<{ files: number; ms: number }>;
export function ensureBuilt(opts?: { force?: boolean }): Promise<{ state: BuildState; built: boolean; files?: number; ms?: number }>;
