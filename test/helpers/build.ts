// Vitest's global setup: tests that start the CLI as a process (bin/vigil.js) run dist/, so it is
// brought up to date with the sources once here, before any test file starts, instead of by the
// first of several test processes that would otherwise race to rebuild it.
import { ensureBuilt } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await ensureBuilt();
}
