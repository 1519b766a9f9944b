// One suite of failure modes every remote HTTP provider goes through, against a local server that
// replays the service's documented answers: found, not found, 401, 429 with Retry-After, 5xx,
// timeout, and a malformed body. A provider test calls `describeFailureModes` once with its own
// recorded shapes; what is checked (and what a user sees) is the same for all of them.
import { afterEach, describe, expect, it } from 'vitest';
import { IntelResult } from '../../core/types.js';
import type { IntelProviderDefinition, ObservableRef } from '../provider.js';
import { mockServer, providerHarness, type MockAnswer, type MockRequest, type MockServer } from './testing.js';

export interface FailureModeSpec {
  def: IntelProviderDefinition<any>;
  /** A config that turns the provider on and points it at the local server. */
  config(baseUrl: string): Record<string, unknown>;
  /** The documented answers: `found` for the known observable, `notFound` for the other. */
  routes(r: MockRequest, which: 'found' | 'notFound'): MockAnswer;
  found: { observable: ObservableRef; check(r: IntelResult): void };
  notFound: { observable: ObservableRef; check(r: IntelResult): void };
  /** The service's own 401 answer (its documented body). */
  unauthorized: MockAnswer;
  /** The service's own 429 answer; the suite adds `Retry-After: 7`. */
  rateLimited: MockAnswer;
  /** A 5xx answer as the service (or the proxy in front of it) sends it. */
  serverError?: MockAnswer;
}

/** The seven failure modes of a remote provider as one `describe` block. */
export function describeFailureModes(spec: FailureModeSpec): void {
  describe(`${spec.def.id}: found, not found, 401, 429, 5xx, timeout, malformed`, () => {
    let srv: MockServer | undefined;
    afterEach(async () => {
      await srv?.close();
      srv = undefined;
    });
    const which = (r: MockRequest, o: ObservableRef): boolean => decodeURIComponent(r.path + '?' + r.query.toString()).includes(o.value);
    const documented = (r: MockRequest): MockAnswer => spec.routes(r, which(r, spec.found.observable) ? 'found' : 'notFound');
    async function setup(handler: (r: MockRequest) => MockAnswer, extra: Record<string, unknown> = {}) {
      srv = await mockServer(handler);
      return providerHarness(spec.def, { timeout: '5s', ...spec.config(srv.url), ...extra });
    }

    it('explains an observable the service knows, with a valid normalized result', async () => {
      const h = await setup(documented);
      const r = await h.lookup(spec.found.observable);
      expect(IntelResult.parse(r)).toEqual(r);
      expect(r.partial).toBeUndefined();
      spec.found.check(r);
    });

    it('answers an observable the service does not know as a result, not a failure', async () => {
      const h = await setup(documented);
      const r = await h.lookup(spec.notFound.observable);
      expect(IntelResult.parse(r)).toEqual(r);
      expect(r.partial).toBeUndefined();
      spec.notFound.check(r);
    });

    it('reports a 401 as a partial answer with the service’s words, and does not retry it', async () => {
      const h = await setup(() => ({ ...spec.unauthorized, status: 401 }));
      const r = await h.lookup(spec.found.observable);
      expect(r).toMatchObject({ partial: true, verdict: 'unknown', score: 0 });
      expect(r.error).toMatch(/^API key refused \(HTTP 401/);
      expect(srv!.requests).toHaveLength(1);
    });

    it('waits out a 429 for its Retry-After, then answers', async () => {
      let n = 0;
      const h = await setup((r) => (n++ === 0 ? { ...spec.rateLimited, status: 429, headers: { ...spec.rateLimited.headers, 'retry-after': '7' } } : documented(r)));
      const r = await h.lookup(spec.found.observable);
      expect(r.partial).toBeUndefined();
      expect(h.time.sleeps).toContain(7_000);
      expect(srv!.requests).toHaveLength(2);
      expect(h.engine.status()[0]!.calls).toMatchObject({ rateLimited: 1, retried: 1, ok: 1 });
    });

    it('retries a 5xx, then degrades to a partial answer naming the status', async () => {
      const h = await setup(() => ({ status: 503, body: 'Service Unavailable', ...spec.serverError }), { retries: 1 });
      const r = await h.lookup(spec.found.observable);
      expect(r).toMatchObject({ partial: true, verdict: 'unknown' });
      expect(r.error).toMatch(/^HTTP 5\d\d/);
      expect(srv!.requests).toHaveLength(2);
    });

    it('gives up on a service that does not answer within the timeout', async () => {
      const h = await setup(() => ({ hang: true }), { timeout: '100ms', retries: 0 });
      const r = await h.lookup(spec.found.observable);
      expect(r).toMatchObject({ partial: true, error: 'timed out after 100 ms' });
    });

    it('treats a body that is not JSON as a failure, and JSON of the wrong shape without crashing', async () => {
      const cut = await setup(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"truncated": [1, 2' }), { retries: 0 });
      expect(await cut.lookup(spec.found.observable)).toMatchObject({ partial: true, error: 'HTTP 200 answer is not JSON' });
      await srv!.close();
      for (const body of [[], { unexpected: { nested: true } }, { data: 'x', ports: 'none', events: 7, pulse_info: [] }]) {
        const odd = await setup(() => ({ status: 200, body }), { retries: 0 });
        const r = await odd.lookup(spec.found.observable);
        // Either a tolerant empty answer or a named failure; never an exception or an invalid result.
        expect(IntelResult.parse(r)).toEqual(r);
        if (r.partial) expect(r.error).toBeTruthy();
        else expect(['unknown', 'info']).toContain(r.verdict);
        await srv!.close();
        srv = undefined;
      }
    });
  });
}
