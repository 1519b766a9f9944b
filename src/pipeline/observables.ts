import { isIP } from 'node:net';
import { HostIdentities } from '../core/identity.js';
import { urlAuthority } from '../core/url.js';
import type { Alert, Observable, ObservableType } from '../core/types.js';
import { ipScope } from '../ioc/classify.js';
import { refang } from '../ioc/refang.js';
import type { NormalizedAlert } from '../sources/source.js';

/** Pulls indicators out of free text (the IOC extractor); injected so the stage stays pure. */
export type TextExtractor = (text: string) => Array<{ type: ObservableType; value: string; layers?: readonly string[]; wrapper?: string }>;

// Indicator types worth keeping from free text; the rest (file paths, CVE ids in a log line) is noise for cases.
const TEXT_TYPES = new Set<ObservableType>(['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'cve', 'attack']);
const CASE_INSENSITIVE = new Set<ObservableType>(['domain', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'ipv6', 'host']);
const MAX_OBSERVABLES = 200;

/** Identities when the caller has none configured: names are still compared case-insensitively and tied per alert. */
const NO_DOMAINS = new HostIdentities();

// Defang forms a structured field may hold (`hxxp`, `[.]`, `(at)`, zero-width characters): refang only then.
const MAYBE_DEFANGED = /[[({\u200b-\u200d\u2060\ufeff\u00ad]|^h[x*t]{2}p|^fxp/i;

/**
 * The one value and type an indicator from a structured field stands for, or null to drop it: an IP
 * literal is an address whatever field it came in (`http.hostname: 77.105.161.37`), an address
 * with `@` is an email not a host, defanged spellings are refanged, a URL's scheme and host are lower
 * case (as the extractor writes them), a host name loses its trailing dot.
 */
function canonicalIndicator(o: Observable): boolean {
  let v = o.value.trim();
  if (MAYBE_DEFANGED.test(v)) v = refang(v);
  switch (o.type) {
    case 'domain': {
      if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
      if (v.endsWith('.')) v = v.slice(0, -1);
      const ip = isIP(v);
      if (ip !== 0) {
        o.type = ip === 4 ? 'ipv4' : 'ipv6';
        // a field that names a host: the address is the destination's, not a role of its own
      } else if (v.includes('@')) {
        const at = v.lastIndexOf('@');
        if (at <= 0 || !v.slice(at + 1).includes('.')) return false;
        o.type = 'email';
      }
      break;
    }
    case 'url':
      v = lowerSchemeAndHost(v);
      break;
    default:
  }
  if (!v) return false;
  o.value = v;
  return true;
}

/** `HTTP://Evil.Example:8080/Path` → `http://evil.example:8080/Path`: scheme and host are case-insensitive, the rest is not. */
export function lowerSchemeAndHost(url: string): string {
  const a = urlAuthority(url);
  if (!a) return url;
  return `${url.slice(0, a.sep).toLowerCase()}${url.slice(a.sep, a.hostStart)}${url.slice(a.hostStart, a.end).toLowerCase()}${url.slice(a.end)}`;
}

/**
 * Completes a normalized alert's observables: adds indicators found in its free-text fields (with
 * the decoding layers they came through), gives every value one type and spelling, normalizes case,
 * classifies IP scope, drops duplicates (the first, structured, one wins — it carries the role) and
 * caps the count so one hostile alert cannot flood a case. The alert's host becomes its canonical
 * identity (`hosts`), its other names kept as aliases.
 */
export function completeObservables(n: NormalizedAlert, extract: TextExtractor | undefined, hosts: HostIdentities = NO_DOMAINS): Alert {
  const seen = new Set<string>();
  const out: Observable[] = [];
  // Hot path: runs for every observable of every alert, so it mutates the fresh objects it is given
  // instead of copying them.
  const add = (o: Observable): void => {
    if (out.length >= MAX_OBSERVABLES) return;
    if ((o.type === 'domain' || o.type === 'url' || o.type === 'email') && !canonicalIndicator(o)) return;
    if (CASE_INSENSITIVE.has(o.type)) o.value = o.value.toLowerCase();
    if (o.type === 'host') o.value = hosts.canonical(o.value);
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
        if (!TEXT_TYPES.has(found.type)) continue;
        const o: Observable = { type: found.type, value: found.value, context: t.field };
        if (found.layers) o.layers = [...found.layers];
        if (found.wrapper !== undefined) o.wrapper = found.wrapper;
        add(o);
      }
    }
  }
  const { text: _text, ...rest } = n;
  const id = hosts.resolve(n.host);
  const host: Alert['host'] = { ...n.host, name: id.name };
  if (id.aliases.length) host.aliases = id.aliases;
  else delete host.aliases;
  return { ...rest, host, observables: out };
}
