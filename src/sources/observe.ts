import { isIP } from 'node:net';
import type { Observable, ObservableType } from '../core/types.js';

const HEX = /^[0-9a-f]+$/i;
const HASH_BY_LENGTH: Record<number, ObservableType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/**
 * Collects observables from structured alert fields; values that are not what their field
 * promises (an `srcip` that is not an IP, a hash of the wrong length) are dropped, not trusted.
 */
export class ObservableBag {
  readonly items: Observable[] = [];

  ip(value: unknown, role: string, context: string): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    const kind = isIP(v);
    if (kind === 4) this.items.push({ type: 'ipv4', value: v, role, context });
    else if (kind === 6) this.items.push({ type: 'ipv6', value: v.toLowerCase(), role, context });
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
