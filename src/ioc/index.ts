import { findBase64, findPercentUrls, MAX_DECODE_DEPTH, mayWrap, newBudget, unwrapUrl, type DecodeBudget, type DecodedPiece, type DecodeLayer } from './decode.js';
import { looksLikeHtml, projectHtml } from './html.js';
import { mapEnd, mapStart, refangText } from './refang.js';
import { ALL_TYPES_MASK, scanText, SIGN_DEFANG, TYPE_BIT, type RawHit, type ScanConfig } from './scan.js';
import { IOC_TYPES, type ExtractOptions, type Ioc, type IocHit, type IocOccurrence, type IocResult, type IocType } from './types.js';

export { ipScope, ipv4Scope, domainInfo } from './classify.js';
export { refang, refangText } from './refang.js';
export { projectHtml } from './html.js';
export { AMBIGUOUS_TLDS } from './scan.js';
export { DECODE_LAYERS, percentDecode, unwrapUrl } from './decode.js';
export * from './types.js';

/** The scanner's config plus what the caller asked for (decoding needs URLs even when they were not asked for). */
interface Config extends ScanConfig {
  decode: boolean;
  /** The types asked for; hits of other types found for decoding's sake are dropped at the end. */
  out: number;
}

const DEFAULT_CFG: Config = { want: ALL_TYPES_MASK, strictTld: true, privateIps: true, decode: true, out: ALL_TYPES_MASK };
// Options objects are usually built once and passed on every call: remember the last one's config.
let lastOpts: ExtractOptions | undefined;
let lastCfg: Config = DEFAULT_CFG;

function configFor(opts: ExtractOptions | undefined): Config {
  if (opts === undefined) return DEFAULT_CFG;
  if (opts === lastOpts) return lastCfg;
  let want = ALL_TYPES_MASK;
  if (opts.types !== undefined) {
    want = 0;
    for (const t of opts.types) {
      const bit = TYPE_BIT[t];
      if (bit === undefined) throw new TypeError(`unknown IOC type "${String(t)}"; expected one of ${IOC_TYPES.join(', ')}`);
      want |= bit;
    }
  }
  const decode = opts.decode !== false;
  const cfg: Config = { want: decode ? want | TYPE_BIT.url : want, out: want, strictTld: opts.strictTld !== false, privateIps: opts.privateIps !== false, decode };
  lastOpts = opts;
  lastCfg = cfg;
  return cfg;
}

/**
 * Scan plain text and return every match, flat and in input order (not deduplicated). Built for the
 * per-alert hot path: no input-kind detection, no grouping, offsets straight into `text`. Encoded
 * indicators (see {@link ExtractOptions.decode}) come with the span of the encoded text and their `layers`.
 *
 * @example extractIocsFromText('Failed login from 203.0.113[.]7') // [{ type: 'ipv4', value: '203.0.113.7', start: 18, end: 31, … }]
 */
export function extractIocsFromText(text: string, opts?: ExtractOptions): IocHit[] {
  const cfg = configFor(opts);
  const hits = scanLayer(text, cfg, opts?.refang !== false, cfg.decode ? TOP : null, 0, NO_LAYERS);
  if (cfg.out === cfg.want) return hits;
  return hits.filter((h) => (cfg.out & TYPE_BIT[h.type]) !== 0);
}

// The per-call hot path allocates nothing for decoding until something may be encoded: the top-level
// scan leaves its marks in one reused array (consumed before any nested scan starts) and the budget
// is made only when decoding runs.
const TOP: DecodeBudget = { pieces: 0, chars: 0 };
const TOP_MARKS: number[] = [];
const NO_LAYERS: DecodeLayer[] = [];

/** One text (the input, or a decoded piece at `depth`): scan, refang when needed, decode, map back. */
function scanLayer(text: string, cfg: Config, refangOn: boolean, budget: DecodeBudget | null, depth: number, layers: DecodeLayer[]): IocHit[] {
  const hits: RawHit[] = [];
  let marks: number[] | null = null;
  if (budget !== null && depth < MAX_DECODE_DEPTH) {
    marks = depth === 0 ? TOP_MARKS : [];
    marks.length = 0;
  }
  // Most lines hold no defang form: scan once and refang only when the scanner meets a possible one.
  let rf: ReturnType<typeof refangText> | null = null;
  if (scanText(text, null, cfg, hits, refangOn, marks) & SIGN_DEFANG) {
    hits.length = 0;
    if (marks) marks.length = 0;
    rf = refangText(text);
    scanText(rf.text, rf.map, cfg, hits, false, marks);
  }
  if (marks !== null && (marks.length > 0 || hits.some(isWrapperCandidate))) {
    decodeInto(rf ? rf.text : text, hits as IocHit[], marks, cfg, refangOn, budget === TOP ? newBudget() : budget!, depth, layers);
  }
  for (const h of hits) {
    const hit = h as IocHit;
    if (rf === null || !rf.changed) {
      hit.defanged = false;
      continue;
    }
    const ns = h.start;
    const ne = h.end;
    hit.start = mapStart(rf.map, ns);
    hit.end = mapEnd(rf.map, ne);
    hit.defanged = text.slice(hit.start, hit.end) !== rf.text.slice(ns, ne);
  }
  return hits as IocHit[];
}

function isWrapperCandidate(h: RawHit): boolean {
  return h.type === 'url' && mayWrap(h.value);
}

/**
 * Adds what the encoded pieces of `t` hold to `hits` (in `t`'s coordinates, with their layers). An
 * unwrapped link replaces what the scanner read inside it (the target's plain-text copy, if any, or
 * the garbage a v3 link's path reads as): its own URL and host stay.
 */
function decodeInto(t: string, hits: IocHit[], marks: readonly number[], cfg: Config, refangOn: boolean, budget: DecodeBudget, depth: number, outer: DecodeLayer[]): void {
  const pieces: DecodedPiece[] = [];
  // Inside a wrapper, what the scanner read that the unwrapped targets stand for: every hit of a URL
  // Defense v3 path (the target, with placeholders), the plain copy of a target elsewhere.
  const wrappers: Array<{ start: number; end: number; all: boolean; targets: string[] }> = [];
  const n = hits.length;
  for (let i = 0; i < n; i++) {
    const w = hits[i]!;
    if (w.type !== 'url' || w.layers !== undefined || !mayWrap(w.value)) continue;
    const targets = unwrapUrl(w.value);
    if (targets.length === 0) continue;
    // Past the budget a wrapper is left as the scanner read it (which also keeps `wrappers`, searched
    // once per hit below, as short as the budget).
    if (budget.pieces <= 0) break;
    let inside = w.start + w.value.indexOf('://') + 3;
    while (inside < w.end && t.charCodeAt(inside) !== 47 && t.charCodeAt(inside) !== 63 && t.charCodeAt(inside) !== 35) inside++;
    wrappers.push({ start: inside, end: w.end, all: targets[0]!.layer === 'urldefense-v3', targets: targets.map((x) => x.text) });
    for (const x of targets) {
      if (budget.pieces <= 0 || budget.chars < x.text.length) break;
      budget.pieces--;
      budget.chars -= x.text.length;
      // the target's span is the wrapper's part after its host (the query or path that holds it)
      pieces.push({ start: inside, end: w.end, text: x.text, layers: [x.layer], wrapper: w.value, ...(x.domain && { domain: true }) });
    }
  }
  if (marks.length) {
    findBase64(t, marks, pieces, budget);
    findPercentUrls(t, marks, pieces, budget, wrappers);
  }
  if (pieces.length === 0) return;
  if (wrappers.length) {
    // Drop the scanner's reading of a wrapper's insides; the unwrapped target stands for it.
    let k = 0;
    for (let i = 0; i < hits.length; i++) {
      const h = hits[i]!;
      const inside = wrappers.find((r) => h.start >= r.start && h.end <= r.end);
      if (inside === undefined || !(inside.all || (h.type === 'url' && inside.targets.some((x) => x === h.value || h.value.startsWith(x))))) hits[k++] = h;
    }
    hits.length = k;
  }
  for (const p of pieces) {
    const layers = [...outer, ...p.layers];
    let found: IocHit[];
    if (p.domain) {
      found = scanLayer(p.text, cfg, refangOn, null, depth + 1, layers).filter((h) => h.type === 'domain' && h.start === 0 && h.end === p.text.length);
    } else {
      found = scanLayer(p.text, cfg, refangOn, budget, depth + 1, layers);
    }
    for (const f of found) {
      const h: IocHit = { ...f, start: p.start, end: p.end, defanged: false, layers: f.layers ?? layers };
      const wrapper = f.wrapper ?? p.wrapper;
      if (wrapper !== undefined) h.wrapper = wrapper;
      hits.push(h);
    }
  }
  hits.sort((a, b) => a.start - b.start);
}

interface Collector {
  byType: Map<string, Ioc>[];
  result: IocResult;
}

function newCollector(): Collector {
  const result = {} as IocResult;
  for (const t of IOC_TYPES) result[t] = [];
  return { byType: IOC_TYPES.map(() => new Map<string, Ioc>()), result };
}

const TYPE_INDEX = Object.fromEntries(IOC_TYPES.map((t, i) => [t, i])) as Record<IocType, number>;

function add(col: Collector, h: IocHit, raw: string, context: string | undefined): void {
  const m = col.byType[TYPE_INDEX[h.type]]!;
  let ioc = m.get(h.value);
  if (ioc === undefined) {
    ioc = { type: h.type, value: h.value, occurrences: [] };
    if (h.scope !== undefined) ioc.scope = h.scope;
    if (h.registrableDomain !== undefined) ioc.registrableDomain = h.registrableDomain;
    if (h.unicode !== undefined) ioc.unicode = h.unicode;
    m.set(h.value, ioc);
    col.result[h.type].push(ioc);
  }
  const occ: IocOccurrence = { start: h.start, end: h.end, raw, defanged: h.defanged };
  if (context !== undefined) occ.context = context;
  if (h.layers !== undefined) occ.layers = h.layers;
  if (h.wrapper !== undefined) occ.wrapper = h.wrapper;
  ioc.occurrences.push(occ);
}

/**
 * Extract every indicator from plain text, HTML or JSON.
 *
 * - Text: offsets index the input string.
 * - HTML (a string that starts with markup, or `kind: 'html'`): text nodes, comments and link-bearing
 *   attributes (`href`, `src`, `action`, …) are read with entities decoded; `<script>`/`<style>` contents are
 *   skipped. Offsets index the original HTML (a match that starts or ends inside an entity covers it whole);
 *   attribute matches carry `tag@attribute` as context.
 * - JSON (a string that parses as an object or array, `kind: 'json'`, or any non-string value): every
 *   string value is scanned; offsets index that decoded string and `context` is its path (`data.urls[2]`).
 *
 * The result has one array per type, each holding unique values in order of first appearance, every
 * occurrence kept.
 */
export function extractIocs(input: unknown, options: ExtractOptions = {}): IocResult {
  const col = newCollector();
  const kind = options.kind ?? 'auto';
  if (typeof input !== 'string') {
    walkJson(input, options, col);
  } else if (kind === 'json' || (kind === 'auto' && looksLikeJson(input))) {
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (err) {
      if (kind === 'json') throw new SyntaxError(`input is not valid JSON: ${(err as Error).message}`, { cause: err });
      value = undefined;
    }
    if (value === undefined) textInto(input, options, col, undefined);
    else walkJson(value, options, col);
  } else if (kind === 'html' || (kind === 'auto' && looksLikeHtml(input))) {
    htmlInto(input, options, col);
  } else {
    textInto(input, options, col, undefined);
  }
  if (options.warninglist) {
    for (const t of IOC_TYPES) {
      for (const ioc of col.result[t]) {
        const list = options.warninglist(t, ioc.value);
        if (list !== undefined) ioc.warninglist = list;
      }
    }
  }
  return col.result;
}

function looksLikeJson(s: string): boolean {
  const m = /\S/.exec(s);
  if (m === null) return false;
  const c = s.charCodeAt(m.index);
  return c === 123 || c === 91;
}

function textInto(text: string, options: ExtractOptions, col: Collector, context: string | undefined): void {
  for (const h of extractIocsFromText(text, options)) add(col, h, text.slice(h.start, h.end), context);
}

function htmlInto(html: string, options: ExtractOptions, col: Collector): void {
  const p = projectHtml(html);
  if (p.text.length === 0) return;
  const hits = extractIocsFromText(p.text, options);
  for (const h of hits) {
    const ps = h.start;
    const start = p.start[ps]!;
    const end = p.end[h.end - 1]!;
    const raw = html.slice(start, end);
    // Defanged in the HTML sense too: an entity-encoded dot is obfuscation like `[.]`.
    const defanged = h.defanged || raw !== p.text.slice(ps, h.end);
    const context = attrContext(p.attrs, ps);
    add(col, { ...h, start, end, defanged }, raw, context);
  }
}

function attrContext(attrs: { from: number; to: number; context: string }[], pos: number): string | undefined {
  let lo = 0;
  let hi = attrs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const a = attrs[mid]!;
    if (pos < a.from) hi = mid - 1;
    else if (pos >= a.to) lo = mid + 1;
    else return a.context;
  }
  return undefined;
}

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

// Iterative walk: attacker-supplied JSON may nest deeper than the call stack.
function walkJson(root: unknown, options: ExtractOptions, col: Collector): void {
  const stack: { v: unknown; path: string }[] = [{ v: root, path: '' }];
  // Children are pushed in reverse so values come out in document order.
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length > 0) textInto(v, options, col, path === '' ? '$' : path);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const seg = SIMPLE_KEY.test(k) ? (path === '' ? k : `${path}.${k}`) : `${path}[${JSON.stringify(k)}]`;
        stack.push({ v: (v as Record<string, unknown>)[k], path: seg });
      }
    }
  }
}

/** Unique values per type, in order of first appearance: the CLI's `--json` shape. */
export function iocValues(result: IocResult): Record<IocType, string[]> {
  const out = {} as Record<IocType, string[]>;
  for (const t of IOC_TYPES) out[t] = result[t].map((i) => i.value);
  return out;
}

/** Every occurrence of every indicator, sorted by position: what a UI needs to highlight the input. */
export function flattenIocs(result: IocResult): (IocOccurrence & { type: IocType; value: string })[] {
  const out: (IocOccurrence & { type: IocType; value: string })[] = [];
  for (const t of IOC_TYPES) for (const ioc of result[t]) for (const o of ioc.occurrences) out.push({ ...o, type: t, value: ioc.value });
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}
