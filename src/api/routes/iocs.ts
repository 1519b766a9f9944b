// The local IOC database: search (exact value, CIDR containment both ways, domain suffix), the
// feeds and their counts, and importing a feed file uploaded from the browser.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../app.js';
import { VigilError } from '../../core/errors.js';
import { importFeeds } from '../../intel/feed-import.js';
import { feedCounts } from '../../intel/feed-store.js';
import { FEED_FORMATS } from '../../intel/feeds/registry.js';
import { extractIocs, IOC_TYPES } from '../../ioc/index.js';
import { containsPattern, ErrorBody, rows, refusePipelineChange } from './common.js';
import { scopeOf } from '../../store/scope.js';

/** Largest feed file the browser may upload (a whole feed is parsed in memory). */
export const MAX_FEED_UPLOAD = 100 * 1024 * 1024;
const MAX_MATCHES = 200;

const Match = z.object({
  feed: z.string(),
  feedId: z.string().nullable(),
  format: z.string().nullable(),
  type: z.string(),
  value: z.string(),
  matchedBy: z.enum(['exact', 'cidr', 'subdomain', 'url', 'url-host', 'contained', 'suffix', 'text']).describe(
    'exact: the value itself; cidr: a listed range holds it; subdomain: a listed parent domain covers it; url: the URL (http or https) or its host; url-host: a listed URL is on this host; contained: a listed value inside the searched range; suffix: a listed name under the searched domain; text: the words appear in the value, malware or threat',
  ),
  tags: z.array(z.string()),
  malware: z.string().nullable(),
  threat: z.string().nullable(),
  confidence: z.number().nullable(),
  firstSeen: z.string().nullable().describe('When the feed first saw it (as the feed states)'),
  lastSeen: z.string().nullable(),
  validUntil: z.string().nullable(),
  expired: z.boolean(),
  reference: z.string().nullable(),
  line: z.number().nullable(),
  importedAt: z.string().nullable().describe('When Vigil last imported that feed'),
});
type Match = z.infer<typeof Match>;

interface IndicatorRow {
  feed_id: string;
  type: string;
  value: string;
  tags: string[] | null;
  malware: string | null;
  threat: string | null;
  confidence: number | null;
  first_seen: string | null;
  last_seen: string | null;
  valid_until: string | null;
  reference: string | null;
  line: number | null;
}

/** What the query is: the first indicator the extractor finds when it covers the whole query. */
export function classifyQuery(q: string): { type: string; value: string } {
  const r = extractIocs(q, { kind: 'text' });
  const trimmed = q.trim();
  for (const type of IOC_TYPES) {
    for (const ioc of r[type]) {
      const occ = ioc.occurrences[0];
      if (occ && occ.raw.length >= trimmed.length - 2) return { type, value: ioc.value };
    }
  }
  return { type: 'text', value: trimmed };
}

function uploadsDir(app: App): string {
  return app.config.dataDir.startsWith('memory://') ? join(tmpdir(), 'vigil-uploads') : join(app.config.dataDir, 'uploads');
}

export function registerIocs(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  const db = app.repo.db;

  s.get(
    '/api/iocs/search',
    {
      schema: {
        summary: 'Search the local IOC database: exact value, IPs inside listed ranges and listed values inside a searched range, names under a searched domain; which feeds list it and since when',
        tags: ['ui'],
        querystring: z.object({ q: z.string().trim().min(1).max(2048).describe('An IP, CIDR, domain, URL, hash, e-mail, ASN (defanged is fine) or words') }),
        response: { 200: z.object({ query: z.object({ input: z.string(), type: z.string(), value: z.string() }), matches: z.array(Match), truncated: z.boolean() }), 400: ErrorBody },
      },
    },
    async (req) => {
      const input = req.query.q;
      const query = classifyQuery(input);
      const feeds = await db.execute(sql`select id, name, format, imported_at from feeds`);
      const feedRows = ((feeds as unknown as { rows: Array<{ id: string; name: string; format: string; imported_at: string }> }).rows ?? []);
      const byName = new Map(feedRows.map((f) => [f.name, f]));
      const byId = new Map(feedRows.map((f) => [f.id, f]));
      const now = app.clock.now().toISOString();
      const out: Match[] = [];
      const seen = new Set<string>();
      const push = (m: Match): void => {
        const k = `${m.feed}\u0000${m.type}\u0000${m.value}`;
        if (seen.has(k) || out.length > MAX_MATCHES) return;
        seen.add(k);
        out.push(m);
      };
      const fromRow = (r: IndicatorRow, matchedBy: Match['matchedBy']): Match => {
        const f = byId.get(r.feed_id);
        return {
          feed: f?.name ?? r.feed_id,
          feedId: r.feed_id,
          format: f?.format ?? null,
          type: r.type,
          value: r.value,
          matchedBy,
          tags: r.tags ?? [],
          malware: r.malware,
          threat: r.threat,
          confidence: r.confidence === null ? null : Number(r.confidence),
          firstSeen: r.first_seen,
          lastSeen: r.last_seen,
          validUntil: r.valid_until,
          expired: r.valid_until !== null && r.valid_until <= now,
          reference: r.reference,
          line: r.line === null ? null : Number(r.line),
          importedAt: f ? new Date(f.imported_at).toISOString() : null,
        };
      };

      if (query.type !== 'text') {
        // The in-memory index answers exact, enclosing-range, parent-domain and URL-host matches.
        for (const m of app.localIndex.lookup(query.type as Parameters<typeof app.localIndex.lookup>[0], query.value)) {
          const f = byName.get(m.feed);
          const i = m.indicator;
          push({
            feed: m.feed,
            feedId: f?.id ?? null,
            format: f?.format ?? null,
            type: i.type,
            value: i.value,
            matchedBy: m.matchedBy,
            tags: i.tags,
            malware: i.malware ?? null,
            threat: i.threat ?? null,
            confidence: i.confidence ?? null,
            firstSeen: i.firstSeen ?? null,
            lastSeen: i.lastSeen ?? null,
            validUntil: i.validUntil ?? null,
            expired: i.validUntil !== undefined && i.validUntil <= now,
            reference: i.reference ?? null,
            line: i.line,
            importedAt: f ? new Date(f.imported_at).toISOString() : null,
          });
        }
      }
      const cols = sql`feed_id, type, value, tags, malware, threat, confidence, first_seen, last_seen, valid_until, reference, line`;
      if (query.type === 'cidr' || query.type === 'ipv4' || query.type === 'ipv6') {
        // Listed addresses and ranges inside the searched range; the CASE keeps bad text away from the cast.
        const inside = await rows<IndicatorRow>(
          db,
          sql`select ${cols} from indicators where type in ('ipv4', 'ipv6', 'cidr')
            and case when value ~ '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' then value::inet <<= ${query.value}::inet and value::inet <> ${query.value}::inet else false end
            order by value limit ${MAX_MATCHES}`,
        );
        for (const r of inside) push(fromRow(r, 'contained'));
      }
      if (query.type === 'domain') {
        const suffix = `%.${query.value.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
        const host = sql`split_part(split_part(split_part(split_part(split_part(value, '://', 2), '/', 1), '?', 1), '@', -1), ':', 1)`;
        const under = await rows<IndicatorRow & { host: string | null }>(
          db,
          sql`select ${cols}, case when type = 'url' then ${host} end as host from indicators
            where (type = 'domain' and value like ${suffix}) or (type = 'url' and (${host} = ${query.value} or ${host} like ${suffix}))
            order by value limit ${MAX_MATCHES}`,
        );
        // A URL on the searched host itself is a direct listing; anything below it is under the domain.
        for (const r of under) push(fromRow(r, r.type === 'url' && r.host === query.value ? 'url' : 'suffix'));
      }
      if (query.type === 'text' || out.length === 0) {
        const p = containsPattern(query.type === 'text' ? query.value : input.trim());
        const text = await rows<IndicatorRow>(db, sql`select ${cols} from indicators where value ilike ${p} or malware ilike ${p} or threat ilike ${p} order by value limit ${MAX_MATCHES}`);
        for (const r of text) push(fromRow(r, 'text'));
      }
      const truncated = out.length > MAX_MATCHES;
      return { query: { input, ...query }, matches: out.slice(0, MAX_MATCHES), truncated };
    },
  );

  s.get(
    '/api/feeds',
    {
      schema: {
        summary: 'Feeds in the local IOC database, with live and expired indicator counts, and the formats an import accepts',
        tags: ['ui'],
        response: {
          200: z.object({
            feeds: z.array(z.object({ id: z.string(), name: z.string(), format: z.string(), source: z.string(), indicators: z.number(), live: z.number(), expired: z.number(), issues: z.number(), ttlDays: z.number().nullable(), importedAt: z.string() })),
            formats: z.array(z.object({ id: z.string(), label: z.string() })),
            indexed: z.number().describe('Indicators in the in-memory index used for enrichment'),
          }),
        },
      },
    },
    async () => {
      const list = await rows<{ id: string; name: string; format: string; source: string; indicator_count: number; issue_count: number; ttl_days: number | null; imported_at: string }>(
        db,
        sql`select id, name, format, source, indicator_count, issue_count, ttl_days, imported_at from feeds order by name`,
      );
      const counts = await feedCounts(db, app.clock.now());
      return {
        feeds: list.map((f) => ({
          id: f.id,
          name: f.name,
          format: f.format,
          source: f.source,
          indicators: Number(f.indicator_count),
          live: counts.get(f.id)?.live ?? 0,
          expired: counts.get(f.id)?.expired ?? 0,
          issues: Number(f.issue_count),
          ttlDays: f.ttl_days === null ? null : Number(f.ttl_days),
          importedAt: new Date(f.imported_at).toISOString(),
        })),
        formats: FEED_FORMATS.map((f) => ({ id: f.id, label: f.label })),
        indexed: app.localIndex.size,
      };
    },
  );

  const ImportResult = z.object({
    name: z.string(),
    format: z.string(),
    status: z.enum(['imported', 'unchanged', 'failed']),
    indicators: z.number(),
    expired: z.number().optional(),
    issues: z.array(z.object({ line: z.number().optional(), field: z.string().optional(), reason: z.string() })),
    issueCount: z.number(),
    error: z.string().optional(),
    indexed: z.number(),
  });

  s.post(
    '/api/feeds/import',
    {
      schema: {
        summary: 'Import a feed file (multipart/form-data: file, and optionally format, name, ttlDays); it replaces an earlier upload of the same file name. Admin and analyst keys.',
        tags: ['ui'],
        consumes: ['multipart/form-data'],
        response: { 200: ImportResult, 400: ErrorBody.or(ImportResult), 403: ErrorBody, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      // The IOC database is shared by every organisation: only the pipeline's may change it.
      const scope = scopeOf(req);
      if (!scope.ownsPipeline) return refusePipelineChange(reply, scope.pipelineRefusal('the IOC database'));
      if (!req.isMultipart()) throw new VigilError('VIGIL_INPUT_INVALID', 'send the feed as multipart/form-data with a "file" part', { field: 'file' });
      const fields: Record<string, string> = {};
      let saved: { path: string; name: string } | undefined;
      const dir = join(uploadsDir(app), 'feeds');
      await mkdir(dir, { recursive: true });
      try {
        for await (const part of req.parts({ limits: { fileSize: MAX_FEED_UPLOAD, files: 1, fields: 10, fieldSize: 1000 } })) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          // The stored name is the upload's base name, cleaned: uploading it again replaces that feed.
          const name = basename(part.filename || 'feed.txt').replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'feed.txt';
          const path = join(dir, name);
          await pipeline(part.file, createWriteStream(path));
          if (part.file.truncated) {
            await rm(path, { force: true });
            return reply.status(413).send({ error: { code: 'VIGIL_INPUT_TOO_LARGE', message: `the feed is over the ${MAX_FEED_UPLOAD / 1024 / 1024} MiB upload limit; import it with vigil feeds import`, field: 'file' } });
          }
          saved = { path, name };
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') return reply.status(413).send({ error: { code: 'VIGIL_INPUT_TOO_LARGE', message: `the feed is over the ${MAX_FEED_UPLOAD / 1024 / 1024} MiB upload limit`, field: 'file' } });
        throw new VigilError('VIGIL_INPUT_INVALID', `the upload could not be read: ${(e as Error).message}`, { field: 'file' });
      }
      if (!saved) throw new VigilError('VIGIL_INPUT_INVALID', 'no file in the upload: send it in a part named "file"', { field: 'file' });
      const format = fields['format']?.trim() || 'auto';
      if (format !== 'auto' && !FEED_FORMATS.some((f) => f.id === format)) {
        throw new VigilError('VIGIL_INPUT_INVALID', `unknown feed format "${format.slice(0, 40)}" (known: auto, ${FEED_FORMATS.map((f) => f.id).join(', ')})`, { field: 'format' });
      }
      const ttlText = fields['ttlDays']?.trim();
      const ttlDays = ttlText ? Number(ttlText) : undefined;
      if (ttlDays !== undefined && (!Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > 3650)) throw new VigilError('VIGIL_INPUT_INVALID', 'ttlDays must be a whole number of days from 1 to 3650', { field: 'ttlDays' });
      const name = fields['name']?.trim().slice(0, 200) || undefined;
      const [r] = await importFeeds(app.repo, app.clock, [{ path: saved.path, format, ...(name && { name }), ...(ttlDays && { ttlDays }) }], { limits: app.config.feedLimits });
      if (!r) throw new VigilError('VIGIL_INTERNAL', 'the import returned nothing');
      if (r.status === 'imported') await app.rebuildIndex();
      const body = {
        name: r.name,
        format: r.format,
        status: r.status,
        indicators: r.indicators,
        ...(r.expired !== undefined && { expired: r.expired }),
        issues: r.issues.slice(0, 20).map((i) => ({ ...(i.line !== undefined && { line: i.line }), ...(i.field !== undefined && { field: i.field }), reason: i.reason })),
        issueCount: r.issues.length,
        ...(r.error && { error: r.error }),
        indexed: app.localIndex.size,
      };
      if (r.status === 'failed') {
        await rm(saved.path, { force: true });
        return reply.status(400).send(body);
      }
      return body;
    },
  );
}
