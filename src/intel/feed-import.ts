import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { VigilError, type InputIssue } from '../core/errors.js';
import { contentHash, stableId } from '../core/ids.js';
import type { Repo } from '../store/repo.js';
import { downloadFeed, isFeedUrl, type DownloadOptions } from './feed-download.js';
import { checkFeed, DEFAULT_FEED_LIMITS, type FeedLimits } from './feed-sanity.js';
import { saveFeed } from './feed-store.js';
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
  /** Lines that could not be used, and entries quarantined by the sanity limits (feed-sanity.ts). */
  issues: InputIssue[];
  unsupported: InputIssue[];
  /** Entries left out by the sanity limits: too wide a range, a private or reserved one. */
  quarantined?: number;
  /** Indicators the feed listed before and no longer does: expired by this import. */
  expired?: number;
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

export interface ImportOptions {
  /** Import even when the content is unchanged, or its size jumped past feedLimits.maxSizeRatio. */
  force?: boolean;
  /** Sanity limits (config `feedLimits`); the defaults apply when not given. */
  limits?: FeedLimits;
  /** Accept http(s) URLs as feed paths: only for feeds named on the command line, never from config. */
  allowUrls?: boolean;
  /** Largest feed accepted (default MAX_FEED_BYTES). */
  maxBytes?: number;
  /** Passed to the downloader (tests). */
  download?: Omit<DownloadOptions, 'maxBytes'>;
}

async function readFeed(file: string, opts: ImportOptions): Promise<string> {
  const max = opts.maxBytes ?? MAX_FEED_BYTES;
  if (isFeedUrl(file)) return (await downloadFeed(file, { ...opts.download, maxBytes: max })).text;
  const s = await stat(file);
  if (s.size > max) throw new VigilError('VIGIL_INPUT_TOO_LARGE', `${s.size} bytes is over the ${max}-byte feed limit`, { file });
  return readFile(file, 'utf8');
}

/**
 * Imports feed files (or, when `allowUrls`, http(s) URLs) into the store. A feed whose content has
 * not changed since its last import is skipped unless it has a TTL (its validity is then renewed);
 * a changed one replaces its previous content, and indicators gone from it expire. Bad lines are
 * reported, not fatal; a feed that fails whole (unknown format, unreadable, refused download) is
 * reported and the others still import.
 */
export async function importFeeds(
  repo: Repo,
  clock: Clock,
  specs: Array<{ path: string; format?: string; name?: string | undefined; ttlDays?: number | undefined }>,
  opts: ImportOptions = {},
): Promise<FeedImportResult[]> {
  const results: FeedImportResult[] = [];
  for (const spec of specs) {
    let files: string[];
    if (isFeedUrl(spec.path)) {
      if (!opts.allowUrls) {
        results.push({ file: spec.path, name: spec.name ?? spec.path, format: spec.format ?? 'auto', status: 'failed', indicators: 0, issues: [], unsupported: [], error: 'feed URLs are downloaded only when named on the command line (vigil feeds import URL); download it and list the file instead' });
        continue;
      }
      files = [spec.path];
    } else {
      files = await filesOf(spec.path);
    }
    for (const file of files) {
      const label = isFeedUrl(file) ? new URL(file).pathname.split('/').filter(Boolean).pop() ?? new URL(file).host : basename(file);
      const base: FeedImportResult = { file, name: spec.name ?? label, format: spec.format ?? 'auto', status: 'failed', indicators: 0, issues: [], unsupported: [] };
      try {
        const text = await readFeed(file, opts);
        const wanted = spec.format && spec.format !== 'auto' ? spec.format : undefined;
        const format = wanted ? getFormat(wanted) : detectFormat(text.slice(0, 64 * 1024), label)?.format;
        if (!format) {
          throw new VigilError(
            'VIGIL_FEED_UNKNOWN_FORMAT',
            wanted ? `unknown feed format "${wanted}" (known: ${FEED_FORMATS.map((f) => f.id).join(', ')})` : `cannot tell the feed format from the content; pass --format (${FEED_FORMATS.map((f) => f.id).join(', ')})`,
            { file },
          );
        }
        base.format = format.id;
        base.name = spec.name ?? `${format.label} (${label})`;
        const hash = contentHash(`${format.id}\u0000${text}`);
        const previous = await repo.feedBySource(file);
        const ttlDays = spec.ttlDays ?? previous?.ttlDays ?? null;
        if (!opts.force && !ttlDays && previous && previous.contentHash === hash && previous.name === base.name) {
          results.push({ ...base, status: 'unchanged', indicators: previous.indicatorCount });
          continue;
        }
        const parsed = format.parse(text, { file });
        const sane = checkFeed(file, parsed.indicators, previous?.indicatorCount, opts.limits ?? DEFAULT_FEED_LIMITS);
        if (sane.refused && !opts.force) throw new VigilError('VIGIL_FEED_REFUSED', sane.refused, { file });
        parsed.indicators = sane.kept;
        parsed.issues = [...parsed.issues, ...sane.quarantined];
        const now = clock.now();
        const { expired } = await saveFeed(
          repo.db,
          {
            id: stableId('feed', file),
            name: base.name,
            format: format.id,
            source: file,
            contentHash: hash,
            indicatorCount: parsed.indicators.length,
            issueCount: parsed.issues.length,
            ttlDays,
            importedAt: now.toISOString(),
          },
          parsed.indicators,
          now,
        );
        results.push({ ...base, status: 'imported', indicators: parsed.indicators.length, issues: parsed.issues, unsupported: parsed.unsupported ?? [], ...(expired > 0 && { expired }), ...(sane.quarantined.length > 0 && { quarantined: sane.quarantined.length }) });
      } catch (e) {
        results.push({ ...base, error: e instanceof VigilError ? e.message : `cannot read: ${(e as Error).message}` });
      }
    }
  }
  return results;
}
