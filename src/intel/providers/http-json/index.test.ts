import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.js';
import { describeFailureModes } from '../../remote/failure-modes.js';
import { mockServer, providerHarness, type MockServer } from '../../remote/testing.js';
import { HttpJsonConfig } from './config.js';
import httpJson from './index.js';
import { valuesAt } from './path.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

// An internal reputation service answering `{result: {classification, risk (0–1), reasons[], labels[]}}`.
const described = {
  name: 'Corp reputation',
  types: ['ipv4', 'domain'],
  typeNames: { ipv4: 'ip' },
  apiKey: 'corp-token',
  headers: { 'X-Team': 'soc' },
  verdict: { path: 'result.classification', map: { BLOCK: 'malicious', WATCH: 'suspicious', ALLOW: 'safe' } },
  score: { path: 'result.risk', scale: 100 },
  evidence: ['result.reasons[*]'],
  tags: ['result.labels[*]'],
  lastSeen: 'result.updated',
};

describeFailureModes({
  def: httpJson,
  config: (url) => ({ ...described, url: `${url}/v2/{type}/{value}` }),
  routes: (_r, which) => (which === 'found' ? { body: fixture('hit') } : { status: 404, body: fixture('miss') }),
  found: {
    observable: { type: 'ipv4', value: '45.148.10.95' },
    check: (r) => {
      expect(r).toMatchObject({ verdict: 'malicious', score: 92, tags: ['ssh-bruteforce', 'perimeter'], lastSeen: '2025-12-30T12:00:00.000Z' });
      expect(r.evidence).toEqual(['Corp reputation says BLOCK (score 92)', 'seen in 3 incidents this month', 'on the perimeter blocklist since 2025-12-02']);
    },
  },
  notFound: {
    observable: { type: 'domain', value: 'nothing-here.example.net' },
    check: (r) => expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['not known to Corp reputation (HTTP 404)'] }),
  },
  unauthorized: { body: fixture('denied') },
  rateLimited: { body: fixture('slow-down') },
});

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('http-json provider', () => {
  it('fills the URL template, sends the key and headers, and asks only for the configured types', async () => {
    srv = await mockServer(() => ({ body: fixture('hit') }));
    const h = providerHarness(httpJson, { ...described, url: `${srv.url}/v2/{type}/{value}?src=vigil` });
    await h.lookup({ type: 'ipv4', value: '45.148.10.95' });
    await h.lookup({ type: 'domain', value: 'a b.example.org' });
    expect(srv.requests.map((r) => `${r.path}?${r.query}`)).toEqual(['/v2/ip/45.148.10.95?src=vigil', '/v2/domain/a%20b.example.org?src=vigil']);
    expect(srv.requests[0]!.headers).toMatchObject({ authorization: 'Bearer corp-token', 'x-team': 'soc' });
    const all = await h.engine.enrichMany([{ type: 'sha256', value: 'b'.repeat(64) }]);
    expect(all.get(`sha256:${'b'.repeat(64)}`)!.results).toEqual([]);
  });

  it('grades words it was not told about as info, and gives the verdict’s score without a score path', async () => {
    srv = await mockServer(() => ({ body: { result: { classification: 'REVIEW' } } }));
    const h = providerHarness(httpJson, { url: `${srv.url}/{value}`, verdict: { path: '$.result.classification', map: { review: 'suspicious' } } });
    expect(await h.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ verdict: 'suspicious', score: 40, evidence: ['http-json says REVIEW'] });
    await srv.close();
    srv = await mockServer(() => ({ body: { result: { classification: 'weird' } } }));
    const h2 = providerHarness(httpJson, { url: `${srv.url}/{value}`, verdict: { path: 'result.classification' } });
    expect(await h2.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ verdict: 'info', score: 0 });
  });

  it('reads paths with indexes and wildcards, and nothing else', () => {
    const doc = { a: [{ b: 1 }, { b: 2 }], c: { 'd-e': 'x' } };
    expect(valuesAt(doc, 'a[*].b')).toEqual([1, 2]);
    expect(valuesAt(doc, '$.a[1].b')).toEqual([2]);
    expect(valuesAt(doc, 'c.d-e')).toEqual(['x']);
    expect(valuesAt(doc, 'a.b')).toEqual([]);
    expect(valuesAt(doc, 'constructor')).toEqual([]);
  });

  it('refuses a config that cannot work, naming the field', () => {
    const bad = HttpJsonConfig.safeParse({ url: 'https://x.example/lookup', evidence: ['a..b'] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'url: must contain {value}, where the observable goes',
      'evidence.0: not a JSON path: use dotted keys with [n] or [*] (`data.verdict`, `results[0].score`, `$.tags[*]`)',
    ]);
  });

  it('is off without a URL, and takes its key from VIGIL_HTTP_JSON_KEY', () => {
    expect(providerHarness(httpJson, {}).engine.disabled[0]!.reason).toBe('no URL (set intel.providers.http-json.url, with {value} where the observable goes)');
    const loaded = loadConfig({ env: { VIGIL_HTTP_JSON_KEY: 's3cret' }, cwd: tmpdir() });
    expect((loaded.config.intel.providers['http-json'] as { apiKey: string }).apiKey).toBe('s3cret');
  });
});
