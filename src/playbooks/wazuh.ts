// The Wazuh manager API, as far as response actions need it: sign in (basic auth → JWT), run an
// active-response command on agents, find an agent by name. Shapes: Wazuh server API 4.x
// (`POST /security/user/authenticate`, `PUT /active-response?agents_list=…`, `GET /agents?name=…`).
import { z } from 'zod';
import { AdapterError, requestJson } from './adapter-http.js';
import { Duration } from '../core/clock.js';

export const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits, _)');

export const WazuhSettings = z.strictObject({
  /** The manager API, e.g. `https://wazuh-manager:55000` (a self-signed certificate needs NODE_EXTRA_CA_CERTS). */
  url: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL without query'),
  /** Environment variable holding the API user (never the user itself in the config). */
  usernameEnv: EnvName.default('VIGIL_WAZUH_API_USER'),
  /** Environment variable holding the API password. */
  passwordEnv: EnvName.default('VIGIL_WAZUH_API_PASSWORD'),
  /** Longest one API call may take. */
  timeout: Duration.default(10_000),
});
export type WazuhSettings = z.infer<typeof WazuhSettings>;

export interface WazuhDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  now: () => number;
}

export interface ArResult {
  affected: string[];
  failed: Array<{ ids: string[]; message: string }>;
  message: string;
}

// Wazuh tokens last 900 s by default; one is reused for a while, then fetched again.
const TOKEN_REUSE_MS = 600_000;
const tokens = new Map<string, { token: string; until: number }>();

export class WazuhApi {
  private readonly base: string;

  constructor(
    private readonly s: WazuhSettings,
    private readonly d: WazuhDeps,
  ) {
    this.base = s.url.replace(/\/+$/, '');
  }

  private credentials(): { user: string; password: string } {
    const user = this.d.env[this.s.usernameEnv];
    const password = this.d.env[this.s.passwordEnv];
    if (!user || !password) throw new AdapterError(`Wazuh API credentials missing: set ${this.s.usernameEnv} and ${this.s.passwordEnv}`, false);
    return { user, password };
  }

  private async token(signal: AbortSignal | undefined, fresh = false): Promise<string> {
    const { user, password } = this.credentials();
    const key = `${this.base}\u0000${user}`;
    const have = tokens.get(key);
    if (!fresh && have && have.until > this.d.now()) return have.token;
    const r = await requestJson({
      fetch: this.d.fetch,
      url: `${this.base}/security/user/authenticate`,
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      timeoutMs: this.s.timeout,
      ...(signal && { signal }),
      what: 'Wazuh sign-in',
    }).catch((e: unknown) => {
      if (e instanceof AdapterError && e.status === 401) throw new AdapterError(`Wazuh sign-in at ${this.base}: the credentials in ${this.s.usernameEnv}/${this.s.passwordEnv} were refused`, false, 401);
      throw e;
    });
    const token = (r.json as { data?: { token?: unknown } } | undefined)?.data?.token;
    if (typeof token !== 'string' || !token) throw new AdapterError(`Wazuh sign-in at ${this.base}: the answer holds no data.token`, false);
    tokens.set(key, { token, until: this.d.now() + TOKEN_REUSE_MS });
    return token;
  }

  /** One authenticated call; a 401 (token expired or revoked) signs in again once. */
  private async call(method: string, path: string, body: unknown, signal: AbortSignal | undefined, what: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(signal, attempt > 0);
      try {
        const r = await requestJson({
          fetch: this.d.fetch,
          url: `${this.base}${path}`,
          method,
          headers: { authorization: `Bearer ${token}` },
          ...(body !== undefined && { body }),
          timeoutMs: this.s.timeout,
          ...(signal && { signal }),
          what,
        });
        return r.json;
      } catch (e) {
        if (e instanceof AdapterError && e.status === 401 && attempt === 0) continue;
        throw e;
      }
    }
  }

  /**
   * Runs an active-response command (`!firewall-drop` is the script, without `!` a command name from
   * ossec.conf) on the listed agents. `all` is never implied: the agents are always named.
   */
  async activeResponse(opts: { agents: string[]; command: string; arguments?: string[]; alert?: Record<string, unknown>; signal?: AbortSignal }): Promise<ArResult> {
    if (!opts.agents.length) throw new AdapterError('Wazuh active response needs at least one agent id', false);
    const json = (await this.call(
      'PUT',
      `/active-response?agents_list=${encodeURIComponent(opts.agents.join(','))}`,
      { command: opts.command, arguments: opts.arguments ?? [], ...(opts.alert && { alert: opts.alert }) },
      opts.signal,
      'Wazuh active response',
    )) as { error?: number; message?: string; data?: { affected_items?: unknown[]; failed_items?: Array<{ error?: { message?: string }; id?: unknown[] }> } } | undefined;
    const data = json?.data;
    if (!data) throw new AdapterError('Wazuh active response: the answer holds no data', false);
    return {
      affected: (data.affected_items ?? []).map(String),
      failed: (data.failed_items ?? []).map((f) => ({ ids: (f.id ?? []).map(String), message: String(f.error?.message ?? 'failed') })),
      message: String(json?.message ?? ''),
    };
  }

  /** The agent id of a host name, or undefined when the manager knows no such agent. */
  async agentId(name: string, signal?: AbortSignal): Promise<{ id: string; status?: string } | undefined> {
    const json = (await this.call('GET', `/agents?name=${encodeURIComponent(name)}&select=id,name,status`, undefined, signal, 'Wazuh agent lookup')) as
      | { data?: { affected_items?: Array<{ id?: unknown; name?: unknown; status?: unknown }> } }
      | undefined;
    const hit = (json?.data?.affected_items ?? []).find((a) => String(a.name).toLowerCase() === name.toLowerCase());
    return hit && hit.id !== undefined ? { id: String(hit.id), ...(typeof hit.status === 'string' && { status: hit.status }) } : undefined;
  }
}

/** Forget cached tokens (tests). */
export function clearWazuhTokens(): void {
  tokens.clear();
}
