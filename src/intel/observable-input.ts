import type { InputIssue } from '../core/errors.js';
import type { ObservableType } from '../core/types.js';
import { extractIocsFromText, refang } from '../ioc/index.js';
import { detectIndicator, MAX_VALUE_LENGTH, normalizeValue } from './feeds/normalize.js';
import type { ObservableRef } from './provider.js';

/** Types intel can look up (the others — CVEs, ATT&CK ids, registry keys, paths, coins — it cannot). */
export const LOOKUP_TYPES: ReadonlySet<ObservableType> = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'asn']);

/** Most values read from one input, so a huge file cannot queue millions of lookups. */
export const MAX_OBSERVABLES = 100_000;

function canonical(type: ObservableType, value: string): ObservableRef | undefined {
  if (!LOOKUP_TYPES.has(type)) return undefined;
  const n = normalizeValue(type, value);
  return n && LOOKUP_TYPES.has(n.type) ? { type: n.type, value: n.value } : undefined;
}

/**
 * One value as typed by an analyst: an IP, CIDR, domain, URL, email, hash or ASN, defanged or not
 * (`hxxps://evil[.]example/x`, `1.2.3[.]4`, `user[@]evil.example`). The type is told from the value.
 */
export function parseObservable(raw: string): ObservableRef | undefined {
  const v = raw.trim();
  if (v === '' || v.length > MAX_VALUE_LENGTH) return undefined;
  for (const h of extractIocsFromText(v)) {
    if (h.start === 0 && h.end === v.length) {
      const o = canonical(h.type, h.value);
      if (o) return o;
    }
  }
  // Names the extractor does not take as indicators on their own (internal TLDs, bare ASNs).
  const d = detectIndicator(refang(v));
  return d ? canonical(d.type, d.value) : undefined;
}

export interface ParsedInput {
  observables: ObservableRef[];
  issues: InputIssue[];
}

/**
 * Values from the command line and from a file. A file line that is one value is taken as it is;
 * any other line gives every indicator in it (a pasted report works); a line with none is reported.
 * Duplicates are dropped, first occurrence kept.
 */
export function parseObservables(values: readonly string[], file?: { name: string; text: string }): ParsedInput {
  const seen = new Set<string>();
  const observables: ObservableRef[] = [];
  const issues: InputIssue[] = [];
  const add = (o: ObservableRef): void => {
    const k = `${o.type}:${o.value}`;
    if (seen.has(k) || observables.length >= MAX_OBSERVABLES) return;
    seen.add(k);
    observables.push(o);
  };
  values.forEach((v, i) => {
    const o = parseObservable(v);
    if (o) add(o);
    else issues.push({ file: '(arguments)', line: i + 1, reason: `"${v.length > 80 ? `${v.slice(0, 77)}...` : v}" is not an IP, domain, URL, email, hash, CIDR or ASN` });
  });
  if (file) {
    const lines = file.text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return;
      const one = parseObservable(t);
      if (one) return add(one);
      let found = 0;
      for (const h of extractIocsFromText(t.length > 65_536 ? t.slice(0, 65_536) : t)) {
        const o = canonical(h.type, h.value);
        if (o) {
          add(o);
          found++;
        }
      }
      if (!found) issues.push({ file: file.name, line: i + 1, reason: 'no indicator on this line' });
    });
  }
  if (observables.length >= MAX_OBSERVABLES) issues.push({ file: file?.name ?? '(arguments)', line: 0, reason: `only the first ${MAX_OBSERVABLES} values are looked up` });
  return { observables, issues };
}
