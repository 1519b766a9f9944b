#!/usr/bin/env node
// Builds the CLI and server (src/ → dist/) with esbuild: one ESM bundle split at every dynamic
// import, so a command loads only the chunks it uses, and Node runs plain JavaScript (no TypeScript
// loader at start). Packages stay external: they load from node_modules as they are.
//   node scripts/build.mjs           build when the sources changed since the last build
//   node scripts/build.mjs --force   build always, from an empty dist/
// `npm ci` and `npm pack` run it (the prepare script); bin/vigil.js and the test setup call
// ensureBuilt() so that nobody runs a build older than the sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.sources');
/**
 * Flat on purpose: the sources find their files relative to their own module (`../` is the package
 * root from src/config.ts; `migrations/` and `thread-worker.js` sit beside src/store/db.ts and
 * thread.ts), and every chunk of a flat dist/ sees the same layout.
 */
const ENTRIES = { vigil: 'src/cli/main.ts', 'thread-worker': 'src/store/thread-worker.js' };
const COPIED = [['src/store/migrations', 'migrations']];
/**
 * Dependencies compiled into the bundle instead of loaded from node_modules. Loading a CommonJS
 * package from ESM makes Node start a lexer for its exports (~40 ms on the reference machine), and
 * tldts's CommonJS entry is a tree of files: these small, pure-JavaScript ones are what every
 * short command loads (commander for all, tldts and ipaddr.js for `vigil ioc extract`). They stay
 * listed as dependencies, so their licences are installed with Vigil. The others stay external:
 * some find their own files at run time (PGlite's WASM, swagger-ui-dist) or must be one shared
 * copy (zod, whose schemas fastify-type-provider-zod reads).
 */
const BUNDLED = new Set(['commander', 'tldts', 'ipaddr.js']);
/** A build older than this that the new one no longer uses is removed (a running server may still load it until then). */
const KEEP_OLD_MS = 60 * 60 * 1000;

/**
 * What the build is made from: the path, size and modification time of every source the bundle can
 * contain (tests and their fixtures cannot), and of this script. Any difference, not only a newer
 * file, means rebuild: a file restored with an old time or deleted changes it too. Stat calls only
 * (a few milliseconds), because bin/vigil.js asks on every start from a checkout.
 */
export function sourcesFingerprint() {
  const lines = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'fixtures') walk(p);
      } else if (!e.name.endsWith('.test.ts') && !e.name.endsWith('.md')) {
        const s = statSync(p);
        lines.push(`${relative(ROOT, p)}\t${s.size}\t${s.mtimeMs}`);
      }
    }
  };
  walk(SRC);
  const self = statSync(fileURLToPath(import.meta.url));
  lines.push(`scripts/build.mjs\t${self.size}\t${self.mtimeMs}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** `fresh`, `stale` (sources differ from the ones dist/ was built from), `missing`, or `no-sources` (an installed package). */
export function buildState() {
  if (!existsSync(join(SRC, 'cli', 'main.ts'))) return existsSync(join(DIST, 'vigil.js')) ? 'fresh' : 'no-sources';
  if (!existsSync(join(DIST, 'vigil.js')) || !existsSync(STAMP)) return 'missing';
  return readFileSync(STAMP, 'utf8') === sourcesFingerprint() ? 'fresh' : 'stale';
}

/** Every package Vigil names, and their subpaths, but the bundled ones. */
function externals() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED.has(n));
  return names.flatMap((n) => [n, `${n}/*`]);
}

/** Writes through a temporary name, so a process reading dist/ meanwhile sees the old file or the new one, never half of one. */
function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Mirrors a folder file by file, each replaced only when its content changed. */
function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  const names = new Set(readdirSync(from));
  for (const name of names) {
    const src = join(from, name);
    const dst = join(to, name);
    if (statSync(src).isDirectory()) copyTree(src, dst);
    else {
      const data = readFileSync(src);
      if (!existsSync(dst) || !data.equals(readFileSync(dst))) writeAtomic(dst, data);
    }
  }
  for (const name of readdirSync(to)) if (!names.has(name) && !name.endsWith('.tmp')) rmSync(join(to, name), { recursive: true, force: true });
}

/**
 * Builds dist/. Another process may build at the same moment (two tests starting the CLI): every
 * file is replaced atomically, chunks are named by their content, and the entry and the stamp are
 * written last, so whichever finishes last leaves a complete build.
 */
export async function build({ force = false } = {}) {
  const started = performance.now();
  // Taken before reading: an edit made while building leaves the stamp behind the sources.
  const fingerprint = sourcesFingerprint();
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (a dev dependency: run npm ci)');
  }
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: externals(),
    // A bundled package's ES module build when it has one (tldts), not its CommonJS one.
    mainFields: ['module', 'main'],
    // commander is CommonJS: bundled into ES modules, its require() of Node's own modules needs one.
    banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module';\nconst require = __vigilCreateRequire(import.meta.url);" },
    chunkNames: '[name]-[hash]',
    // Error names and class names show in messages and logs; bundling must not rename them.
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  if (force) rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const entries = new Set(Object.keys(ENTRIES).flatMap((e) => [join(DIST, `${e}.js`), join(DIST, `${e}.js.map`)]));
  const written = new Set([STAMP]);
  for (const f of result.outputFiles) {
    written.add(f.path);
    if (entries.has(f.path)) continue;
    // A chunk's name is its content's hash: an existing one is already right.
    if (!existsSync(f.path)) writeAtomic(f.path, f.contents);
  }
  for (const [from, to] of COPIED) {
    copyTree(join(ROOT, from), join(DIST, to));
    written.add(join(DIST, to));
  }
  for (const f of result.outputFiles) if (entries.has(f.path)) writeAtomic(f.path, f.contents);
  writeAtomic(STAMP, fingerprint);
  // Chunks the new build does not use: kept a while for processes started on the old build, which
  // may still import one of them lazily.
  const now = Date.now();
  for (const name of readdirSync(DIST)) {
    const p = join(DIST, name);
    if (written.has(p)) continue;
    if (now - statSync(p).mtimeMs > KEEP_OLD_MS) rmSync(p, { recursive: true, force: true });
  }
  return { files: result.outputFiles.length, ms: Math.round(performance.now() - started) };
}

/** Builds when dist/ is missing or older than the sources; a no-op in an installed package. */
export async function ensureBuilt({ force = false } = {}) {
  const state = buildState();
  if (state === 'no-sources' || (!force && state === 'fresh')) return { state, built: false };
  return { state, built: true, ...(await build({ force })) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  ensureBuilt({ force }).then(
    (r) => {
      if (r.built) process.stdout.write(`vigil: built dist/ (${r.files} files) in ${r.ms} ms\n`);
    },
    (e) => {
      process.stderr.write(`vigil: build failed: ${e.message}\n`);
      process.exit(1);
    },
  );
}
