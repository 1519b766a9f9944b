import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { VigilError, type InputIssue } from '../core/errors.js';
import { contentHash, stableId } from '../core/ids.js';
import type { Repo } from '../store/repo.js';
import { detectFormat, getFormat, FEED_FORMATS } from './feeds/registry.js';

/** Largest feed file read (a whole feed is parsed in memory). */
export const MAX_FEED_BYTES = 512 * 1024 * 1024;

export interface FeedImportResult {
  file: string;
  name: string;
  format: string;
  /** `imported`, `unchanged` (same content as last time), or `failed`. */
  status: 'imported' | 'unchanged' | 'failed';
  indicators: number;
  issues: InputIssue[];
  unsupported: InputIssue[];
  error?: string;
}

async function filesOf(path: string): Promise<string[]> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new VigilError('VIGIL_INPUT_NOT_FOUND', `feed ${path} does not exist`, { file: path });
  }
  if (!s.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => !n.startsWith('.') && !/\.(md|txt\.license)$/i.test(n) && n !== 'LICENSE').sort();
  return names.map((n) => join(path, n));
}

/**
 * Imports feed files into the store. A file whose content has not changed since its last import
 * is skipped; a changed one replaces its previous indicators. Bad lines are reported, not fatal;
 * a file that fails whole (unknown format, unreadable) is reported and the others still import.
 */
export async function importFeeds(
  repo: Repo,
  clock: Clock,
  specs: Array<{ path: string; format?: string; name?: string | undefined; ttlDays?: number | undefined }>,
  opts: { force?: boolean } = {},
): Promise<FeedImportResult[]> {
  const results: FeedImportResult[] = [];
  for (const spec of specs) {
    for (const file of await filesOf(spec.path)) {
      const base: FeedImportResult = { file, name: spec.name ?? basename(file), format: spec.format ?? 'auto', status: 'failed', indicators: 0, issues: [], unsupported: [] };
      try {
        const s = await stat(file);
        if (s.size > MAX_FEED_BYTES) throw new VigilError('VIGIL_INPUT_TOO_LARGE', `${s.size} bytes is over the ${MAX_FEED_BYTES}-byte feed limit`, { file });
        const text = await readFile(file, 'utf8');
        const wanted = spec.format && spec.format !== 'auto' ? spec.format : undefined;
        const format = wanted ? getFormat(wanted) : detectFormat(text.slice(0, 64 * 1024), basename(file))?.format;
        if (!format) {
          throw new VigilError(
            'VIGIL_FEED_UNKNOWN_FORMAT',
            wanted ? `unknown feed format "${wanted}" (known: ${FEED_FORMATS.map((f) => f.id).join(', ')})` : `cannot tell the feed format from the content; pass --format (${FEED_FORMATS.map((f) => f.id).join(', ')})`,
            { file },
          );
        }
        base.format = format.id;
        base.name = spec.name ?? `${format.label} (${basename(file)})`;
        const hash = contentHash(`${format.id}\u0000${text}`);
        const previous = await repo.feedBySource(file);
        if (!opts.force && previous && previous.contentHash === hash && previous.name === base.name) {
          results.push({ ...base, status: 'unchanged', indicators: previous.indicatorCount });
          continue;
        }
        const parsed = format.parse(text, { file });
        await repo.replaceFeed(
          {
            id: stableId('feed', file),
            name: base.name,
            format: format.id,
            source: file,
            contentHash: hash,
            indicatorCount: parsed.indicators.length,
            issueCount: parsed.issues.length,
            ttlDays: spec.ttlDays ?? null,
            importedAt: clock.now().toISOString(),
          },
          parsed.indicators,
        );
        results.push({ ...base, status: 'imported', indicators: parsed.indicators.length, issues: parsed.issues, unsupported: parsed.unsupported ?? [] });
      } catch (e) {
        results.push({ ...base, error: e instanceof VigilError ? e.message : `cannot read: ${(e as Error).message}` });
      }
    }
  }
  return results;
}
