import type { Alert, Observable, ObservableType } from '../core/types.js';
import { ipScope } from '../ioc/classify.js';
import type { NormalizedAlert } from '../sources/source.js';

/** Pulls indicators out of free text (the IOC extractor); injected so the stage stays pure. */
export type TextExtractor = (text: string) => Array<{ type: ObservableType; value: string }>;

// Indicator types worth keeping from free text; the rest (file paths, CVE ids in a log line) is noise for cases.
const TEXT_TYPES = new Set<ObservableType>(['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'cve', 'attack']);
const CASE_INSENSITIVE = new Set<ObservableType>(['domain', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'ipv6', 'host']);
const MAX_OBSERVABLES = 200;

/**
 * Completes a normalized alert's observables: adds indicators found in its free-text fields,
 * normalizes case, classifies IP scope, drops duplicates (the first, structured, one wins — it
 * carries the role) and caps the count so one hostile alert cannot flood a case.
 */
export function completeObservables(n: NormalizedAlert, extract: TextExtractor | undefined): Alert {
  const seen = new Set<string>();
  const out: Observable[] = [];
  // Hot path: runs for every observable of every alert, so it mutates the fresh objects it is given
  // instead of copying them.
  const add = (o: Observable): void => {
    if (out.length >= MAX_OBSERVABLES) return;
    if (CASE_INSENSITIVE.has(o.type)) o.value = o.value.toLowerCase();
    const key = `${o.type}:${o.value}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (o.type === 'ipv4' || o.type === 'ipv6') {
      const scope = ipScope(o.value);
      if (scope) o.scope = scope;
    }
    out.push(o);
  };
  for (const o of n.observables) add(o);
  if (extract) {
    for (const t of n.text) {
      for (const found of extract(t.value)) {
        if (TEXT_TYPES.has(found.type)) add({ type: found.type, value: found.value, context: t.field });
      }
    }
  }
  const { text: _text, ...rest } = n;
  return { ...rest, observables: out };
}
