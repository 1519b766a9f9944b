// A generic firewall API: `POST <url>` with the block as JSON (and an Idempotency-Key header, so a
// retried request never adds a second rule), `DELETE <url>/<rule id>` to lift it. Fits small
// firewall-management services and n8n/Shuffle webhooks that front a firewall.
import { z } from 'zod';
import { AdapterError, requestJson } from '../../adapter-http.js';
import { Duration } from '../../../core/clock.js';
import { EnvName } from '../../wazuh.js';

export const HttpFirewallSettings = z.strictObject({
  /** Blocks are POSTed here; unblocks are `DELETE <url>/<rule id>`. */
  url: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL without query'),
  /** Environment variable holding a bearer token for the API. */
  tokenEnv: EnvName.optional(),
  timeout: Duration.default(10_000),
  /** Lift blocks from Vigil when their TTL ends (false: the firewall expires them itself). */
  unblock: z.boolean().default(true),
});
export type HttpFirewallSettings = z.infer<typeof HttpFirewallSettings>;

export class HttpFirewall {
  private readonly base: string;

  constructor(
    private readonly s: HttpFirewallSettings,
    private readonly d: { fetch: typeof fetch; env: Record<string, string | undefined> },
  ) {
    this.base = s.url.replace(/\/+$/, '');
  }

  private headers(): Record<string, string> {
    if (!this.s.tokenEnv) return {};
    const token = this.d.env[this.s.tokenEnv];
    if (!token) throw new AdapterError(`firewall API token missing: set ${this.s.tokenEnv}`, false);
    return { authorization: `Bearer ${token}` };
  }

  async block(b: {
    address: string;
    direction: string;
    ttlMs: number;
    expiresAt: string;
    reason: string;
    case: { id: string; number: number; title: string };
    idempotencyKey: string;
    signal?: AbortSignal;
  }): Promise<{ status: number; ruleId?: string }> {
    const r = await requestJson({
      fetch: this.d.fetch,
      url: this.base,
      method: 'POST',
      headers: { ...this.headers(), 'idempotency-key': b.idempotencyKey },
      body: { address: b.address, direction: b.direction, ttlSeconds: Math.round(b.ttlMs / 1000), expiresAt: b.expiresAt, reason: b.reason, case: b.case, idempotencyKey: b.idempotencyKey },
      timeoutMs: this.s.timeout,
      ...(b.signal && { signal: b.signal }),
      what: 'firewall API block',
    });
    const id = (r.json as { id?: unknown; ruleId?: unknown } | undefined)?.id ?? (r.json as { ruleId?: unknown } | undefined)?.ruleId;
    return { status: r.status, ...((typeof id === 'string' || typeof id === 'number') && { ruleId: String(id) }) };
  }

  async unblock(u: { ruleId: string; signal?: AbortSignal }): Promise<number> {
    const r = await requestJson({
      fetch: this.d.fetch,
      url: `${this.base}/${encodeURIComponent(u.ruleId)}`,
      method: 'DELETE',
      headers: this.headers(),
      timeoutMs: this.s.timeout,
      ...(u.signal && { signal: u.signal }),
      what: 'firewall API unblock',
      // Already gone is what we wanted.
      accept: [404, 410],
    });
    return r.status;
  }
}
