import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../pipeline/run.js';
import { FakeIndexer, type FakeDoc } from '../fake-indexer.js';
import type { LiveBatch, LiveSourceInstance } from '../source.js';
import { context, MemorySink, waitFor } from '../testing.js';
import elasticsearch from './index.js';

const FIXTURE: FakeDoc[] = JSON.parse(readFileSync(new URL('./fixtures/security-alerts.json', import.meta.url), 'utf8')) as FakeDoc[];
const KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';

let fake: FakeIndexer | undefined;
const running: LiveSourceInstance[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  await fake?.close();
  fake = undefined;
});

// Elasticsearch 8: the alerts alias over hidden backing indices, API keys, and no sorting on _id.
async function cluster(): Promise<{ fake: FakeIndexer; url: string }> {
  fake = new FakeIndexer({ authorization: `ApiKey ${KEY}`, refuseIdSort: true, aliases: { '.alerts-security.alerts-default': '.internal.alerts-security.alerts-default-*' } });
  fake.docs.push(...structuredClone(FIXTURE));
  return { fake, url: await fake.listen() };
}

function source(config: Record<string, unknown>, checkpoint?: unknown): LiveSourceInstance {
  const s = elasticsearch.create(elasticsearch.configSchema.parse({ since: 'all', interval: 30, apiKeyEnv: 'ES_API_KEY', ...config }), context({ name: 'elastic-security', checkpoint, env: { ES_API_KEY: KEY } }));
  running.push(s);
  return s;
}

class StopAfterFirstPage extends MemorySink {
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

describe('elasticsearch source', () => {
  it('reads Elastic Security alerts by their own uuid as tiebreaker, resuming after a stop with no gap and no duplicate', async () => {
    const { fake, url } = await cluster();
    const sink = new StopAfterFirstPage();
    const first = source({ url, pageSize: 3 });
    await first.start(sink);
    await sink.firstPage;
    const stopping = first.stop();
    sink.release();
    await stopping;
    running.splice(0);

    const rest = new MemorySink();
    await source({ url, pageSize: 3 }, sink.position).start(rest);
    await waitFor(() => rest.records.length === FIXTURE.length - 3, 'the remaining alerts');
    await new Promise((r) => setTimeout(r, 100));

    const uuids = [...sink.records, ...rest.records].map((r) => r['kibana.alert.uuid'] as string);
    const expected = [...FIXTURE].sort((a, b) => Date.parse(a._source['@timestamp'] as string) - Date.parse(b._source['@timestamp'] as string) || (a._id < b._id ? -1 : 1)).map((d) => d._id);
    expect(uuids).toEqual(expected);
    expect(fake.requests.at(-1)!.path).toBe('/.alerts-security.alerts-default/_search');
    expect(fake.requests.at(-1)!.body.sort).toEqual([{ '@timestamp': { order: 'asc', unmapped_type: 'date' } }, { 'kibana.alert.uuid': { order: 'asc', unmapped_type: 'keyword' } }]);
    expect((fake.requests.at(-1)!.body.query as { bool: { filter: unknown[] } }).bool.filter).toContainEqual({ exists: { field: 'kibana.alert.uuid' } });

    // The documents map to core alerts through the ECS format.
    const alert = normalizeRecord(rest.records[0]!, undefined)!;
    expect(alert).toMatchObject({ source: 'ecs', sourceRef: uuids[3], rule: { scale: 'generic' } });
  });

  it('explains what to do when the cluster refuses to sort on _id', async () => {
    const { url } = await cluster();
    const sink = new MemorySink();
    await source({ url, tiebreaker: '_id' }).start(sink);
    await waitFor(() => sink.errors.length >= 1, 'the refusal');
    expect(sink.errors[0]!.message).toMatch(/^Elasticsearch answered HTTP 400: Fielddata access on the _id field is disallowed \(set tiebreaker to a keyword field unique per document/);
  });
});
