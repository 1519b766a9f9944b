import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../pipeline/run.js';
import { FakeIndexer, type FakeDoc } from '../fake-indexer.js';
import type { LiveBatch, LiveSourceInstance } from '../source.js';
import { context, MemorySink, waitFor } from '../testing.js';
import opensearch from './index.js';

const FIXTURE: FakeDoc[] = JSON.parse(readFileSync(new URL('./fixtures/wazuh-alerts.json', import.meta.url), 'utf8')) as FakeDoc[];
const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
const BASIC = `Basic ${Buffer.from('vigil:s3cret').toString('base64')}`;

let fake: FakeIndexer | undefined;
const running: LiveSourceInstance[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  await fake?.close();
  fake = undefined;
});

async function indexer(opts: ConstructorParameters<typeof FakeIndexer>[0] = {}): Promise<{ fake: FakeIndexer; url: string }> {
  fake = new FakeIndexer(opts);
  fake.docs.push(...structuredClone(FIXTURE));
  return { fake, url: await fake.listen() };
}

function source(config: Record<string, unknown>, checkpoint?: unknown, env: NodeJS.ProcessEnv = {}): LiveSourceInstance {
  const s = opensearch.create(opensearch.configSchema.parse({ since: 'all', interval: 30, ...config }), context({ name: 'wazuh-indexer', checkpoint, env }));
  running.push(s);
  return s;
}

/** A sink that holds the source after its first page until released, so a test can stop it between pages. */
class GatedSink extends MemorySink {
  first!: () => void;
  readonly firstPage = new Promise<void>((r) => (this.first = r));
  release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));

  override deliver(b: LiveBatch): Promise<void> {
    super.deliver(b);
    this.first();
    return this.gate;
  }
}

const ids = (sink: MemorySink): string[] => sink.records.map((r) => r.id as string);

describe('opensearch source', () => {
  it('pages through the index with search_after and basic auth, and resumes after a stop with no gap and no duplicate', async () => {
    const { fake, url } = await indexer({ authorization: BASIC });
    const sink = new GatedSink();
    const first = source({ url, username: 'vigil', passwordEnv: 'INDEXER_PASSWORD', pageSize: 4 }, undefined, { INDEXER_PASSWORD: 's3cret' });
    await first.start(sink);
    await sink.firstPage;
    const stopping = first.stop();
    sink.release();
    await stopping;
    running.splice(0);
    expect(sink.records).toHaveLength(4);

    // Meanwhile new alerts arrive, one with the same timestamp as the last one read (the tiebreaker decides).
    const tie = structuredClone(FIXTURE[3]!);
    tie._id = 'AZZ99late';
    tie._source.id = '1741942800.999999';
    fake.docs.push(tie);

    const rest = new MemorySink();
    await source({ url, username: 'vigil', passwordEnv: 'INDEXER_PASSWORD', pageSize: 4 }, sink.position, { INDEXER_PASSWORD: 's3cret' }).start(rest);
    await waitFor(() => rest.records.length === FIXTURE.length + 1 - 4, 'the rest of the index');
    await new Promise((r) => setTimeout(r, 120));

    const all = [...ids(sink), ...ids(rest)];
    expect(new Set(all).size).toBe(all.length);
    const expected = [...FIXTURE, tie]
      .map((d) => ({ id: d._source.id as string, t: Date.parse((d._source.timestamp as string).replace('+0000', 'Z')), k: d._id }))
      .sort((a, b) => a.t - b.t || (a.k < b.k ? -1 : 1))
      .map((d) => d.id);
    expect(all).toEqual(expected);
    expect(rest.errors).toEqual([]);

    // What went over the wire: the time window, both sort keys, the cursor, the credentials.
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/wazuh-alerts-*/_search');
    expect(req.query.get('ignore_unavailable')).toBe('true');
    expect(req.authorization).toBe(BASIC);
    expect(req.body).toMatchObject({
      size: 4,
      sort: [{ timestamp: { order: 'asc', unmapped_type: 'date' } }, { _id: { order: 'asc' } }],
      query: { bool: { filter: [{ range: { timestamp: { lte: 'now-30s' } } }] } },
      track_total_hits: false,
    });
    expect(Array.isArray(req.body.search_after)).toBe(true);
    // The documents are Wazuh alerts: the wazuh format takes them as they are.
    expect(normalizeRecord(rest.records[0]!, undefined)).toMatchObject({ source: 'wazuh', host: { name: expect.any(String) } });
  });

  it('applies a query_string and the first-start window', async () => {
    const { fake, url } = await indexer();
    const sink = new MemorySink();
    await source({ url, query: 'rule.level:>=7', since: 'all' }).start(sink);
    await waitFor(() => fake.requests.length >= 2, 'two polls');
    expect(sink.records.map((r) => (r.rule as { level: number }).level).every((l) => l >= 7)).toBe(true);
    expect(sink.records).toHaveLength(FIXTURE.filter((d) => (d._source.rule as { level: number }).level >= 7).length);
    expect((fake.requests[0]!.body.query as { bool: { filter: unknown[] } }).bool.filter[0]).toEqual({ query_string: { query: 'rule.level:>=7' } });

    // Without a checkpoint, `since` fixes where reading begins (documents older than that are skipped).
    const { url: url2, fake: fake2 } = await (async () => {
      await fake.close();
      return indexer();
    })();
    const recent = new MemorySink();
    await source({ url: url2, since: '1h' }).start(recent);
    await waitFor(() => fake2.requests.length >= 1, 'a poll');
    const range = ((fake2.requests[0]!.body.query as { bool: { filter: Array<{ range?: { timestamp: { gte: string } } }> } }).bool.filter[0]!.range!).timestamp;
    expect(Date.now() - Date.parse(range.gte)).toBeGreaterThan(3_590_000);
    expect(recent.records).toEqual([]);
  });

  it('sends an API key, reports refused credentials and failing requests, and carries on after them', async () => {
    const { fake, url } = await indexer({ authorization: 'ApiKey dmlnaWw6a2V5' });
    const wrong = new MemorySink();
    const w = source({ url, apiKey: 'bm9wZQ==' });
    await w.start(wrong);
    await waitFor(() => wrong.errors.length >= 1, 'the refusal');
    expect(wrong.errors[0]!.message).toBe('OpenSearch refused the credentials (HTTP 401): missing authentication credentials for REST request [/_search]');
    expect(w.status()).toMatchObject({ state: 'backoff' });
    expect(wrong.records).toEqual([]);

    fake.failures.push({ status: 503, body: { error: { type: 'cluster_block_exception', reason: 'index [wazuh-alerts-4.x-2025.03.14] blocked' }, status: 503 } });
    const sink = new MemorySink();
    await source({ url, apiKeyEnv: 'KEY' }, undefined, { KEY: 'dmlnaWw6a2V5' }).start(sink);
    await waitFor(() => sink.records.length === FIXTURE.length, 'every document after the retry', 15_000);
    expect(sink.errors.map((e) => e.message)).toEqual(['OpenSearch answered HTTP 503: index [wazuh-alerts-4.x-2025.03.14] blocked']);
  });

  it('does not move the cursor past a partial answer (failed shards)', async () => {
    const { fake, url } = await indexer();
    fake.failures.push({
      status: 200,
      body: { _shards: { total: 2, successful: 1, failed: 1, failures: [{ reason: { reason: 'node left' } }] }, hits: { hits: [{ _index: 'x', _id: 'y', _source: {}, sort: [1, 'y'] }] } },
    });
    const sink = new MemorySink();
    await source({ url }).start(sink);
    await waitFor(() => sink.records.length === FIXTURE.length, 'every document after the retry', 15_000);
    expect(sink.errors[0]!.message).toBe('1 shard(s) failed to answer (node left); not moving the cursor');
    expect(sink.records.some((r) => Object.keys(r).length === 0)).toBe(false);
  });

  it('talks TLS to a cluster whose certificate a CA file vouches for, and refuses it without one', async () => {
    const { url } = await indexer({ tls: { certFile: `${TLS}server.pem`, keyFile: `${TLS}server-key.pem` } });
    const sink = new MemorySink();
    await source({ url, tls: { caFile: `${TLS}ca.pem` } }).start(sink);
    await waitFor(() => sink.records.length === FIXTURE.length, 'every document over TLS');

    const untrusted = new MemorySink();
    await source({ url }).start(untrusted);
    await waitFor(() => untrusted.errors.length >= 1, 'the certificate error');
    expect(untrusted.errors[0]!.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('rejects bad settings with the field named', () => {
    const r = opensearch.configSchema.safeParse({ url: 'ftp://x', username: 'u', apiKey: 'k' });
    expect(r.success).toBe(false);
    const fields = r.error!.issues.map((i) => i.path.join('.'));
    expect(fields).toContain('url');
    const r2 = opensearch.configSchema.safeParse({ url: 'https://x:9200', username: 'u', password: 'p', apiKey: 'k' });
    expect(r2.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['apiKey', 'use either username/password or apiKey, not both']]);
    expect(opensearch.configSchema.safeParse({ url: 'https://admin:pw@x:9200' }).error!.issues[0]!.message).toMatch(/not in the URL/);
    expect(() => source({ url: 'https://x:9200', tls: { caFile: '/nonexistent/ca.pem' } })).toThrow(/cannot read the CA file/);
  });

  it('describes a stored cursor and its lag', async () => {
    const now = new Date('2025-03-14T10:00:00Z');
    expect(await opensearch.describe({} as never, { position: { after: [1741942809000, 'AZW11'], newest: '2025-03-14T09:00:09.000Z' }, lastEventAt: null }, now)).toEqual({
      position: 'after [1741942809000,"AZW11"]',
      lag: 'newest document 60 min old',
      lagMs: 3_591_000,
    });
    expect(await opensearch.describe({} as never, { position: { none: true }, lastEventAt: null }, now)).toEqual({ position: 'not started' });
  });
});
