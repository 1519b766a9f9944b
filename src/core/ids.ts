import { createHash, hash, randomUUID } from 'node:crypto';

/** A deterministic id: the same parts always give the same id, so re-runs are idempotent. */
export function stableId(prefix: string, ...parts: string[]): string {
  // One-shot hash: it runs for every alert, and a Hash object per call costs more than the digest.
  return `${prefix}_${hash('sha256', `${parts.join('\u0000')}\u0000`, 'base64url').slice(0, 22)}`;
}

export function randomId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

export function alertId(source: string, sourceRef: string): string {
  return stableId('al', source, sourceRef);
}

/** A short hex digest of content, for change detection (feeds, config). */
export function contentHash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
