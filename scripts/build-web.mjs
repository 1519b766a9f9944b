#!/usr/bin/env node
// Builds the web UI (web/ → web/dist) with Vite, only when dist is missing or older than its sources.
//   node scripts/build-web.mjs           build if stale
//   node scripts/build-web.mjs --force   build always
// `vigil serve` / `npm start` call ensureWebBuilt() themselves, so a fresh clone needs no extra step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB = join(ROOT, 'web');
export const DIST = join(WEB, 'dist');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'public'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** `missing`, `stale` (a source is newer than the build), `fresh`, or `no-sources` (a packaged install). */
export function webBuildState() {
  if (!existsSync(join(WEB, 'src'))) return existsSync(join(DIST, 'index.html')) ? 'fresh' : 'no-sources';
  const index = join(DIST, 'index.html');
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newest(join(WEB, s)) > built) ? 'stale' : 'fresh';
}

/** Builds when needed; returns what it found and whether it built. */
export async function ensureWebBuilt({ force = false, log = (l) => process.stderr.write(`${l}\n`) } = {}) {
  const state = webBuildState();
  if (state === 'no-sources' || (!force && state === 'fresh')) return { state, built: false };
  let vite;
  try {
    vite = await import('vite');
  } catch {
    if (state === 'stale') return { state, built: false };
    throw new Error('Vite is not installed (npm ci installs it); the web UI cannot be built');
  }
  const started = performance.now();
  log(state === 'missing' ? 'building the web UI (first start, a few seconds)…' : 'rebuilding the web UI (sources changed)…');
  await vite.build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  log(`web UI built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { state, built: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureWebBuilt({ force: process.argv.includes('--force') }).catch((e) => {
    process.stderr.write(`vigil: web UI build failed: ${e.message}\n`);
    process.exit(1);
  });
}
