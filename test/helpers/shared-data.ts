// The third-party corpora live outside the repository (their licences forbid copying them in), in
// ../shared/data beside the checkout or wherever VIGIL_SHARED_DATA points. Tests that read them resolve
// paths here, from the repository root rather than the test file, and skip with the reason in their
// title when the corpus is not on this machine.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared data folder: VIGIL_SHARED_DATA (relative to the current directory) or ../shared/data from the repository root. */
export const sharedDataDir = process.env.VIGIL_SHARED_DATA ? resolve(process.env.VIGIL_SHARED_DATA) : resolve(repoRoot, '../shared/data');

export interface SharedPath {
  path: string;
  present: boolean;
  /** A suffix for a describe title: empty when present, the reason for skipping otherwise. */
  note: string;
}

export function sharedData(rel: string): SharedPath {
  const path = join(sharedDataDir, rel);
  const present = existsSync(path);
  return { path, present, note: present ? '' : ` — skipped: ${path} not found (set VIGIL_SHARED_DATA)` };
}
