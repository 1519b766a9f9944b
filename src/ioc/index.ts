import { looksLikeHtml, projectHtml } from './html.js';
import { mapEnd, mapStart, refangText } from './refang.js';
import { ALL_TYPES_MASK, scanText, TYPE_BIT, type RawHit, type ScanConfig } from './scan.js';
import { IOC_TYPES, type ExtractOptions, type Ioc, type IocHit, type IocOccurrence, type IocResult, type IocType } from './types.js';

export { ipScope, ipv4Scope, domainInfo } from './classify.js';
export { refang, refangText } from './refang.js';
export { projectHtml } from './html.js';
export { AMBIGUOUS_TLDS } from './scan.js';
export * from './types.js';

const DEFAULT_CFG: ScanConfig = { want: ALL_TYPES_MASK, strictTld: true, privateIps: true };
// Options objects are usually built once and passed on every call: remember the last one's config.
let lastOpts: ExtractOptions | undefined;
let lastCfg: ScanConfig = DEFAULT_CFG;

function configFor(opts: ExtractOptions | undefined): ScanConfig {
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
  const cfg: ScanConfig = { want, strictTld: opts.strictTld !== false, privateIps: opts.privateIps !== false };
  lastOpts = opts;
  lastCfg = cfg;
  return cfg;
}

/**
 * Scan plain text and return every match, flat and in input order (not deduplicated). Built for the
 * per-alert hot path: no input-kind detection, no grouping, offsets straight into `text`.
 *
 * @example extractIocsFromText('Failed login from 203.0.113[.]7') // [{ type: 'ipv4', value: '203.0.113.7', start: 18, end: 31, … }]
 */
export function extractIocsFromText(text: string, opts?: ExtractOptions): IocHit[] {
  const cfg = configFor(opts);
  const hits: RawHit[] = [];
  const refangOn = opts?.refang !== false;
  // Most lines hold no defang form: scan once and refang only when the scanner meets a possible one.
  if (!scanText(text, null, cfg, hits, refangOn)) {
    for (const h of hits) (h as IocHit).defanged = false;
    return hits as IocHit[];
  }
  hits.length = 0;
  const rf = refangText(text);
  scanText(rf.text, rf.map, cfg, hits);
  for (const h of hits) {
    const hit = h as IocHit;
    if (!rf.changed) {
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
