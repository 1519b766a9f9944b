// CLI start-up: wall time and peak RSS of short commands, next to `node -e 0` measured in the same
// run (interleaved rounds, median of each). Two layouts: a checkout (bin/vigil.js first checks that
// dist/ matches the sources) and an installed package (dist/ alone, no sources to check), plus the
// sources run through tsx (what bin/vigil.js did before the build) for reference.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.js';
import { ensureBuilt } from '../scripts/build.mjs';

const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 15);
const SHORT = 'beacon to 185.220.101.47 via hxxp://login-paypa1[.]top/x';

await ensureBuilt();
// An installed package: what `npm pack` ships of the CLI, over the same node_modules.
const pkg = mkdtempSync(join(tmpdir(), 'vigil-bench-pkg-'));
for (const d of ['bin', 'dist']) cpSync(join(PACKAGE_ROOT, d), join(pkg, d), { recursive: true });
cpSync(join(PACKAGE_ROOT, 'package.json'), join(pkg, 'package.json'));
symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(pkg, 'node_modules'));

interface Case {
  name: string;
  args: string[];
  input?: string;
}
const node = process.execPath;
const cases: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'vigil --version (checkout)', args: [join(PACKAGE_ROOT, 'bin/vigil.js'), '--version'] },
  { name: 'vigil ioc extract, short string (checkout)', args: [join(PACKAGE_ROOT, 'bin/vigil.js'), 'ioc', 'extract'], input: SHORT },
  { name: 'vigil --version (installed package)', args: [join(pkg, 'bin/vigil.js'), '--version'] },
  { name: 'vigil ioc extract, short string (installed package)', args: [join(pkg, 'bin/vigil.js'), 'ioc', 'extract'], input: SHORT },
  { name: 'sources through tsx (no build), --version', args: ['--import', 'tsx', join(PACKAGE_ROOT, 'src/cli/main.ts'), '--version'] },
];

function run(c: Case, extra: string[] = []): { ms: number; stderr: string } {
  const t = performance.now();
  const r = spawnSync(node, [...extra, ...c.args], { input: c.input ?? '', encoding: 'utf8', cwd: pkg });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}: ${r.stderr}`);
  return { ms, stderr: r.stderr };
}

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (const c of cases) run(c); // warm the file cache
for (let i = 0; i < ROUNDS; i++) for (const c of cases) times.get(c.name)!.push(run(c).ms);

// Peak RSS in separate, untimed runs: the hook that reports it is itself a module to load.
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxrss='+process.resourceUsage().maxRSS+'\\n'))`;
const rss = new Map(cases.map((c) => [c.name, Math.max(...Array.from({ length: 3 }, () => Number(/maxrss=(\d+)/.exec(run(c, ['--import', RSS_HOOK]).stderr)?.[1] ?? 0)))]));

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times.get('node -e 0')!);
console.log(`CLI start-up, median of ${ROUNDS} interleaved rounds; load average ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`);
console.log(`| command | wall ms | × node -e 0 | peak RSS MB |`);
console.log(`|---|---:|---:|---:|`);
for (const c of cases) {
  const m = median(times.get(c.name)!);
  console.log(`| ${c.name} | ${m.toFixed(0)} | ${(m / base).toFixed(2)}× | ${(rss.get(c.name)! / 1024).toFixed(0)} |`);
}
const ratio = (name: string): number => median(times.get(name)!) / base;
console.log(`\ngoal: --version ≤ 3× (${ratio('vigil --version (checkout)').toFixed(2)}× checkout, ${ratio('vigil --version (installed package)').toFixed(2)}× installed); ioc extract ≤ 5× (${ratio('vigil ioc extract, short string (checkout)').toFixed(2)}×, ${ratio('vigil ioc extract, short string (installed package)').toFixed(2)}×)`);
rmSync(pkg, { recursive: true, force: true });
