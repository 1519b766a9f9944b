// Evaluation of the IOC extractor against third-party expectations kept outside the repository:
// ioc-extractor's spec (expected output for its input fixture, its regex, refang and simple-input
// cases) and ioc-fanger's 1,017 defanged ↔ fanged line pairs, read in place from ../shared/data/ioc
// (VIGIL_SHARED_DATA, or VIGIL_IOC_DATA for the ioc folder itself). Prints recall per type over the
// peer material, the disagreements, and the decoding layers on the project's own fixtures
// (src/ioc/fixtures/decoding.json). Nothing here is used to tune the extractor: misses are fixed as
// classes (docs/ioc.md), then measured here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractIocs, extractIocsFromText, IOC_TYPES, iocValues, refang, type IocType } from '../src/ioc/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.VIGIL_SHARED_DATA ?? resolve(repo, '../shared/data');
const root = resolve(process.env.VIGIL_IOC_DATA ?? join(shared, 'ioc'));
const verbose = process.argv.includes('--verbose');

if (!existsSync(root)) {
  const msg = `eval:ioc: peer material skipped: ${root} not found (set VIGIL_SHARED_DATA to the shared data folder)`;
  if (process.env.CI === 'true') {
    console.error(msg);
    process.exit(1);
  }
  console.log(msg);
}

// Recall per type over every expectation the peer material states (value sets, not counts).
const recall = new Map<IocType, { expected: number; found: number }>();
function tally(t: IocType, want: Iterable<string>, mine: Set<string>): void {
  const r = recall.get(t) ?? { expected: 0, found: 0 };
  for (const v of want) {
    r.expected++;
    if (mine.has(v)) r.found++;
  }
  recall.set(t, r);
}
// Defanged lines: of what Vigil reads in the fanged line, how much it also reads in the defanged one.
const defangRecall = new Map<IocType, { expected: number; found: number }>();

function values(text: string, types?: IocType[]): Set<string> {
  const r = iocValues(extractIocs(text, { kind: 'text', ...(types ? { types } : {}) }));
  const out = new Set<string>();
  for (const [t, vs] of Object.entries(r)) for (const v of vs) out.add(`${t}:${v}`);
  return out;
}
const same = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const pct = (k: number, n: number): string => `${k}/${n} (${n ? ((100 * k) / n).toFixed(1) : '0.0'}%)`;

// ---- ioc-fanger: defanged line vs fanged line ----
const fangerDir = join(root, 'ioc-fanger');
if (existsSync(join(fangerDir, 'tests/sample_text_defanged.txt'))) {
  const d = readFileSync(join(fangerDir, 'tests/sample_text_defanged.txt'), 'utf8').split('\n');
  const f = readFileSync(join(fangerDir, 'tests/sample_text_fanged.txt'), 'utf8').split('\n');
  if (d.at(-1) === '') d.pop();
  if (f.at(-1) === '') f.pop();
  let textEq = 0;
  let iocEq = 0;
  let withIocs = 0;
  const misses: string[] = [];
  for (let i = 0; i < d.length; i++) {
    const dl = d[i]!;
    const fl = f[i] ?? '';
    if (refang(dl) === fl) textEq++;
    const a = values(dl);
    const b = values(fl);
    for (const x of b) {
      const t = x.slice(0, x.indexOf(':')) as IocType;
      const r = defangRecall.get(t) ?? { expected: 0, found: 0 };
      r.expected++;
      if (a.has(x)) r.found++;
      defangRecall.set(t, r);
    }
    if (b.size > 0) withIocs++;
    if (same(a, b)) iocEq++;
    else misses.push(`  ${JSON.stringify(dl)}\n    defanged→ ${[...a].join(' ')}\n    fanged  → ${[...b].join(' ')}`);
  }
  console.log('ioc-fanger sample_text pairs');
  console.log(`  refang(defanged line) === fanged line:           ${pct(textEq, d.length)}`);
  console.log(`  same indicators from both lines:                 ${pct(iocEq, d.length)}  (${withIocs} fanged lines hold indicators)`);
  if (misses.length) console.log(`  disagreements (${misses.length}${verbose ? '' : ', first 10; --verbose for all'}):\n${misses.slice(0, verbose ? undefined : 10).join('\n')}`);
  const pairsFile = join(fangerDir, 'fang_pairs.json');
  if (existsSync(pairsFile)) {
    const pairs = JSON.parse(readFileSync(pairsFile, 'utf8')) as { DEFANG_TO_FANG_PAIRS: [string, string][]; ALREADY_FANGED_STRINGS: string[] };
    let ok = 0;
    const bad: string[] = [];
    for (const [df, fg] of pairs.DEFANG_TO_FANG_PAIRS) {
      if (same(values(df), values(fg)) && values(fg).size > 0) ok++;
      else bad.push(`${df} → ${[...values(df)].join(' ') || '(nothing)'}`);
    }
    console.log(`  fang_pairs.json: same non-empty indicators:      ${pct(ok, pairs.DEFANG_TO_FANG_PAIRS.length)}`);
    for (const x of bad) console.log(`    differs: ${x}`);
    const unchanged = pairs.ALREADY_FANGED_STRINGS.filter((s) => refang(s) === s).length;
    console.log(`  already-fanged strings left unchanged:           ${pct(unchanged, pairs.ALREADY_FANGED_STRINGS.length)}`);
  }
}

// ---- ioc-extractor: the complex fixture ----
const exDir = join(root, 'ioc-extractor');
const KEY_TO_TYPE: Record<string, IocType | undefined> = {
  md5s: 'md5', sha1s: 'sha1', sha256s: 'sha256', sha512s: 'sha512', asns: 'asn', ipv4s: 'ipv4', ipv6s: 'ipv6',
  domains: 'domain', urls: 'url', btcs: 'btc', eths: 'eth', emails: 'email', cves: 'cve',
};
// ioc-extractor keeps ASNs as written (ASN15169); Vigil normalizes to AS15169.
const norm = (t: IocType, v: string): string => (t === 'asn' ? v.replace(/^ASN?/i, 'AS') : t === 'domain' || t === 'email' || t === 'ipv6' ? v.toLowerCase() : v);

if (existsSync(join(exDir, 'expected_complex_input.json'))) {
  const exp = JSON.parse(readFileSync(join(exDir, 'expected_complex_input.json'), 'utf8')) as { expected: Record<string, string[]> };
  const input = readFileSync(join(exDir, 'spec/fixtures/input.txt'), 'utf8');
  const got = iocValues(extractIocs(input, { kind: 'text' }));
  console.log('\nioc-extractor complex fixture (expected_complex_input.json)');
  let totalExp = 0;
  let totalHit = 0;
  for (const [key, list] of Object.entries(exp.expected)) {
    const t = KEY_TO_TYPE[key];
    if (t === undefined) {
      console.log(`  ${key.padEnd(9)} not a Vigil type (${list.length} expected, skipped)`);
      continue;
    }
    const mine = new Set(got[t].map((v) => norm(t, v)));
    const want = new Set(list.map((v) => norm(t, v)));
    const hit = [...want].filter((v) => mine.has(v));
    const missing = [...want].filter((v) => !mine.has(v));
    const extra = [...mine].filter((v) => !want.has(v));
    totalExp += want.size;
    totalHit += hit.length;
    tally(t, want, mine);
    console.log(`  ${key.padEnd(9)} ${pct(hit.length, want.size).padEnd(16)}${missing.length ? ` missing: ${missing.join(' ')}` : ''}${extra.length ? ` extra: ${extra.join(' ')}` : ''}`);
  }
  console.log(`  overall expected values found: ${pct(totalHit, totalExp)}`);
}

// ---- ioc-extractor: refang and regex cases read from its spec files ----
function unq(s: string): string {
  return JSON.parse(s) as string;
}
const utilsSpec = join(exDir, 'spec/aux/utils.spec.ts');
if (existsSync(utilsSpec)) {
  const src = readFileSync(utilsSpec, 'utf8');
  const block = src.slice(src.indexOf('describe("refang"'), src.indexOf('describe("dedup"'));
  const cases: [string, string][] = [];
  for (const m of block.matchAll(/const input = ("(?:[^"\\]|\\.)*");\s*expect\(refang\(input\)\)\.toBe\(("(?:[^"\\]|\\.)*")\)/g)) cases.push([unq(m[1]!), unq(m[2]!)]);
  for (const m of block.matchAll(/\[\s*("(?:[^"\\]|\\.)*"),\s*("(?:[^"\\]|\\.)*"),?\s*\]/g)) cases.push([unq(m[1]!), unq(m[2]!)]);
  const bad = cases.filter(([i, o]) => refang(i) !== o);
  console.log(`\nioc-extractor refang cases (spec/aux/utils.spec.ts): ${pct(cases.length - bad.length, cases.length)}`);
  for (const [i, o] of bad) console.log(`  differs: ${JSON.stringify(i)} → ${JSON.stringify(refang(i))} (spec: ${JSON.stringify(o)})`);
}
const regexSpecs: [string, IocType][] = [['domain.spec.ts', 'domain'], ['email.spec.ts', 'email'], ['url.spec.ts', 'url']];
for (const [file, type] of regexSpecs) {
  const p = join(exDir, 'spec/aux', file);
  if (!existsSync(p)) continue;
  const src = readFileSync(p, 'utf8');
  let ok = 0;
  let all = 0;
  const out: string[] = [];
  for (const it of src.split(/\bit\(/).slice(1)) {
    const inp = /const input =\s*("(?:[^"\\]|\\.)*")/.exec(it);
    const arr = /const domains = \[([\s\S]*?)\];/.exec(it);
    const input = inp ? unq(inp[1]!) : arr ? [...arr[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unq(`"${m[1]}"`)).join(' ') : null;
    if (input === null) continue;
    const ex = /expect\(matches\)\.(toEqual\(\[([\s\S]*?)\]\)|toBeNull\(\))/.exec(it);
    if (!ex) continue;
    const want = new Set(ex[2] ? [...ex[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unq(`"${m[1]}"`)) : []);
    const mine = new Set(iocValues(extractIocs(input, { kind: 'text', types: [type] }))[type]);
    tally(type, want, mine);
    all++;
    if (same(mine, want)) ok++;
    else out.push(`  differs (${file}): ${JSON.stringify(input)}\n    spec: ${[...want].join(' ') || '(none)'}\n    mine: ${[...mine].join(' ') || '(none)'}`);
  }
  console.log(`ioc-extractor ${type} cases (spec/aux/${file}): ${pct(ok, all)}`);
  if (out.length) console.log(out.join('\n'));
}

// ---- ioc-extractor: the simple inputs in index.spec.ts ----
const indexSpec = join(exDir, 'spec/index.spec.ts');
if (existsSync(indexSpec)) {
  const src = readFileSync(indexSpec, 'utf8');
  let ok = 0;
  let all = 0;
  const out: string[] = [];
  for (const chunk of src.split(/describe\("simple input/).slice(1)) {
    const blk = chunk.split(/describe\(/)[0]!;
    const inp = /const input =\s*("(?:[^"\\]|\\.)*")/.exec(blk);
    if (!inp) continue;
    const input = unq(inp[1]!);
    const strict = /strict: false/.test(blk) ? false : true;
    const refangOpt = /refang: false/.test(blk) ? false : true;
    const got = iocValues(extractIocs(input, { kind: 'text', strictTld: strict, refang: refangOpt }));
    for (const m of blk.matchAll(/expect\(ioc\.(\w+)(\.length)?\)\.(?:toEqual|toBe)\((\[[\s\S]*?\]|\d+)\)/g)) {
      const t = KEY_TO_TYPE[m[1]!];
      if (!t) continue;
      all++;
      const mine = new Set(got[t].map((v) => norm(t, v)));
      if (m[2]) {
        if (mine.size === Number(m[3])) ok++;
        else out.push(`  differs: ${m[1]}.length in ${JSON.stringify(input.slice(0, 60))}…: spec ${m[3]}, mine ${[...mine].join(' ')}`);
        continue;
      }
      const want = new Set([...m[3]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => norm(t, unq(`"${x[1]}"`))));
      tally(t, want, mine);
      if (same(mine, want)) ok++;
      else out.push(`  differs: ${m[1]} (strict=${strict}, refang=${refangOpt}): spec ${[...want].join(' ') || '(none)'} | mine ${[...mine].join(' ') || '(none)'}`);
    }
  }
  console.log(`ioc-extractor index.spec simple-input assertions: ${pct(ok, all)}`);
  if (out.length) console.log(out.join('\n'));
}

// ---- ioc-extractor: its regex cases (the types Vigil has) ----
const regexSpec = join(exDir, 'spec/aux/regexps.spec.ts');
const REGEX_TYPE: Record<string, IocType> = { md5Regex: 'md5', sha1Regex: 'sha1', sha256Regex: 'sha256', sha512Regex: 'sha512', asnRegex: 'asn', cveRegExp: 'cve', btcRegex: 'btc', ethRegex: 'eth' };
if (existsSync(regexSpec)) {
  const src = readFileSync(regexSpec, 'utf8');
  let ok = 0;
  let all = 0;
  const out: string[] = [];
  for (const block of src.split(/\bdescribe\(/).slice(1)) {
    const name = /^"(\w+)"/.exec(block)?.[1];
    const t = name ? REGEX_TYPE[name] : undefined;
    const inp = /const input =\s*("(?:[^"\\]|\\.)*")/.exec(block);
    const ex = /toEqual\((\[[\s\S]*?\]|input)\)/.exec(block);
    if (!t || !inp || !ex) continue;
    const input = unq(inp[1]!);
    const want = new Set(ex[1] === 'input' ? [norm(t, input)] : [...ex[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => norm(t, unq(`"${x[1]}"`))));
    const mine = new Set(iocValues(extractIocs(input, { kind: 'text', types: [t] }))[t].map((v) => norm(t, v)));
    tally(t, want, mine);
    all++;
    if ([...want].every((v) => mine.has(v))) ok++;
    else out.push(`  missed (${name}): ${[...want].filter((v) => !mine.has(v)).join(' ')}`);
  }
  console.log(`ioc-extractor regex cases (spec/aux/regexps.spec.ts, Vigil's types): ${pct(ok, all)}`);
  if (out.length) console.log(out.join('\n'));
}

// ---- recall per type ----
if (recall.size || defangRecall.size) {
  console.log('\nrecall per type over the peer material');
  console.log('  type       stated values found (ioc-extractor)     defanged lines (ioc-fanger)');
  for (const t of IOC_TYPES) {
    const r = recall.get(t);
    const d = defangRecall.get(t);
    if (!r && !d) continue;
    console.log(`  ${t.padEnd(10)} ${(r ? pct(r.found, r.expected) : '—').padEnd(37)}${d ? pct(d.found, d.expected) : '—'}`);
  }
  const all = [...recall.values()].reduce((a, r) => ({ expected: a.expected + r.expected, found: a.found + r.found }), { expected: 0, found: 0 });
  console.log(`  ${'all'.padEnd(10)} ${pct(all.found, all.expected)}`);
}

// ---- decoding layers on the project's own fixtures ----
{
  const fx = JSON.parse(readFileSync(join(repo, 'src/ioc/fixtures/decoding.json'), 'utf8')) as { cases: Array<{ name: string; layer: string; input: string; expect: Array<[IocType, string]> }> };
  const byLayer = new Map<string, { cases: number; ok: number; values: number; found: number }>();
  const misses: string[] = [];
  for (const c of fx.cases) {
    const hits = extractIocsFromText(c.input);
    const r = byLayer.get(c.layer) ?? { cases: 0, ok: 0, values: 0, found: 0 };
    let allFound = true;
    for (const [type, value] of c.expect) {
      r.values++;
      if (hits.some((h) => h.type === type && h.value === value && h.layers?.[0] === c.layer)) r.found++;
      else {
        allFound = false;
        misses.push(`  ${c.layer}: ${c.name}: ${type} ${value}`);
      }
    }
    r.cases++;
    if (allFound) r.ok++;
    byLayer.set(c.layer, r);
  }
  console.log('\ndecoding layers (src/ioc/fixtures/decoding.json, written for Vigil)');
  for (const [layer, r] of byLayer) console.log(`  ${layer.padEnd(16)} cases ${pct(r.ok, r.cases).padEnd(14)} values ${pct(r.found, r.values)}`);
  if (misses.length) console.log(misses.join('\n'));
}
