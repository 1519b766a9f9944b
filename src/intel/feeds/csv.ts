import type { FeedParseResult, Indicator } from './format.js';
import { FeedCollector, columnKey, eachLine, sampleLines, splitCsvLine } from './text.js';

/**
 * The skeleton shared by the abuse.ch and PhishTank CSV feeds: `#` banner lines, a header that is
 * either a plain line or a commented one (`# id,dateadded,…`), then one record per line. Columns are
 * found by name, so reordered or added columns keep working; without a header the documented order
 * is assumed.
 */
export interface CsvFeedSpec<K extends string> {
  /** Column → accepted header names (compared with `columnKey`), in the documented order. */
  columns: Record<K, readonly string[]>;
  /** Columns a row cannot do without. */
  required: readonly NoInfer<K>[];
  /** Turns one row into indicators, or returns the reason it cannot. */
  row(get: (col: NoInfer<K>) => string | undefined, line: number): Indicator | Indicator[] | string;
}

export function parseCsvFeed<K extends string>(spec: CsvFeedSpec<K>, text: string, file: string): FeedParseResult {
  const col = new FeedCollector(file);
  const names = Object.keys(spec.columns) as K[];
  const aliasToCol = new Map<string, K>();
  for (const k of names) for (const a of spec.columns[k]) aliasToCol.set(columnKey(a), k);
  // Documented order until a header says otherwise.
  let position = new Map<K, number>(names.map((k, i) => [k, i]));
  let sawHeader = false;

  const tryHeader = (fields: string[]): boolean => {
    const found = new Map<K, number>();
    fields.forEach((f, i) => {
      const k = aliasToCol.get(columnKey(f));
      if (k !== undefined && !found.has(k)) found.set(k, i);
    });
    if (!spec.required.every((k) => found.has(k))) return false;
    position = found;
    sawHeader = true;
    return true;
  };

  // One accessor for all rows (a closure per row showed up in profiles of million-line feeds).
  let fields: string[] = [];
  const get = (k: K): string | undefined => {
    const i = position.get(k);
    return i === undefined ? undefined : fields[i];
  };
  eachLine(text, col, (raw, lineNo) => {
    const line = raw.trim();
    if (line.length === 0) return;
    if (line.charCodeAt(0) === 35) {
      if (sawHeader) return;
      const body = line.replace(/^#+\s*/, '');
      // Only a commented line that splits into several fields can be a header; banners cannot.
      if (body.includes(',')) {
        const fields = splitCsvLine(body);
        if (typeof fields !== 'string') tryHeader(fields);
      }
      return;
    }
    const split = splitCsvLine(line);
    if (typeof split === 'string') { col.issue(lineNo, split); return; }
    if (!sawHeader && tryHeader(split)) return;
    fields = split;
    for (const k of spec.required) {
      const v = get(k);
      if (v === undefined || v.length === 0) { col.issue(lineNo, `missing ${spec.columns[k][0]}`, spec.columns[k][0]); return; }
    }
    const r = spec.row(get, lineNo);
    if (typeof r === 'string') col.issue(lineNo, r);
    else if (Array.isArray(r)) col.indicators.push(...r);
    else col.indicators.push(r);
  });
  return col.result();
}

/**
 * Scores how much a sample looks like a CSV feed with these header names: 0.95 when a header with
 * every required column is present, `banner` when a banner keyword is found, else 0.
 */
export function detectCsvHeader(sample: string, headerNames: readonly string[], bannerWords: readonly string[]): number {
  const lines = sampleLines(sample, 40);
  const want = headerNames.map(columnKey);
  for (const l of lines) {
    const body = l.replace(/^#+\s*/, '');
    if (!body.includes(',')) continue;
    const fields = splitCsvLine(body);
    if (typeof fields === 'string') continue;
    const keys = new Set(fields.map(columnKey));
    if (want.every((w) => keys.has(w))) return 0.95;
  }
  // A banner naming the feed only counts for CSV-shaped data: a plain list whose comments mention
  // "URLhaus" is still a plain list.
  const data = lines.filter((l) => !l.startsWith('#') && l.trim() !== '');
  const csvData = data.length === 0 || data.some((l) => l.includes(','));
  const head = sample.slice(0, 2048).toLowerCase();
  if (csvData && bannerWords.some((w) => head.includes(w.toLowerCase()))) return 0.8;
  return 0;
}
