import { isIP } from 'node:net';
import type { Observable, ObservableType } from '../core/types.js';

const HEX = /^[0-9a-f]+$/i;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443, ftp: 21, ws: 80, wss: 443 };

/** A port from a record (a number, or a string of digits as Wazuh writes them), or undefined. */
export function portOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}
const HASH_BY_LENGTH: Record<number, ObservableType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/**
 * Collects observables from structured alert fields; values that are not what their field
 * promises (an `srcip` that is not an IP, a hash of the wrong length) are dropped, not trusted.
 */
export class ObservableBag {
  readonly items: Observable[] = [];

  /** An address field; `port` is that side's port when the record gives it (network events). */
  ip(value: unknown, role: string, context: string, port?: unknown): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    const kind = isIP(v);
    if (kind === 0) return;
    const o: Observable = { type: kind === 4 ? 'ipv4' : 'ipv6', value: kind === 4 ? v : v.toLowerCase(), role, context };
    const p = portOf(port);
    if (p !== undefined) o.port = p;
    this.items.push(o);
  }

  /**
   * A URL from a record's parts (Suricata `http.hostname` + `http_port` + `http.url`, ECS `url.*`):
   * the scheme and a non-default port are kept, an IPv6 host is bracketed; a `path` that is already
   * an absolute URL (a proxy request) is taken as it is.
   */
  url(parts: { scheme?: unknown; host?: unknown; port?: unknown; path?: unknown; query?: unknown }, role: string, context: string): void {
    const path = typeof parts.path === 'string' ? parts.path.trim() : '';
    if (ABSOLUTE.test(path)) return this.add('url', path, role, context);
    const host = typeof parts.host === 'string' ? parts.host.trim() : '';
    if (!host || host === '-') return;
    const scheme = (typeof parts.scheme === 'string' && /^[a-z][a-z0-9+.-]{0,15}$/i.test(parts.scheme) ? parts.scheme : 'http').toLowerCase();
    const port = portOf(parts.port);
    const h = isIP(host) === 6 ? `[${host}]` : host;
    const p = port !== undefined && port !== DEFAULT_PORT[scheme] ? `:${port}` : '';
    let rest = path && !path.startsWith('/') ? `/${path}` : path;
    if (typeof parts.query === 'string' && parts.query !== '' && !rest.includes('?')) rest = `${rest || '/'}?${parts.query}`;
    this.add('url', `${scheme}://${h}${p}${rest}`, role, context);
  }

  hash(value: unknown, role: string, context: string): void {
    if (typeof value !== 'string') return;
    const v = value.trim().toLowerCase();
    const type = HASH_BY_LENGTH[v.length];
    if (type && HEX.test(v) && !/^0+$/.test(v)) this.items.push({ type, value: v, role, context });
  }

  add(type: ObservableType, value: unknown, role: string, context: string): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v && v !== '-' && v.length <= 8192) this.items.push({ type, value: v, role, context });
  }
}
