#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm ci` and `npm pack` through the prepare script). From a
// checkout whose sources changed since that build, it rebuilds first (esbuild, well under a second):
// whoever runs this file runs the current sources, never an old build. An installed package has no
// sources and skips the check.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { ensureBuilt } = await import('../scripts/build.mjs');
  try {
    await ensureBuilt();
  } catch (e) {
    process.stderr.write(`vigil: cannot build the CLI from src/: ${e.message}\n`);
    process.exit(1);
  }
}
await import('../dist/vigil.js');
