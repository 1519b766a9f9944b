import { z } from 'zod';
import { actionConfig, defineResponseAction } from '../../action.js';

// Blocking a phishing URL (or its host) at the web proxy. Vigil has no proxy adapter yet, so the
// block is always a record (simulated, like block-ip without an adapter), with the URL defanged in
// the reason so that the case page and notifications never carry a live link.

export const BlockUrlInput = z.strictObject({
  /** The URL to block (`https://login-verify.example/signin`), written plainly or defanged (`hxxps://…[.]…`). */
  url: z.string().min(4).max(4_000),
  /** Block the whole host rather than this URL only. */
  host: z.boolean().default(false),
  reason: z.string().max(2_000).default(''),
});

export const BlockUrlConfig = actionConfig({
  /** `none` (record only): no web-proxy adapter exists yet. */
  adapter: z.enum(['none']).default('none'),
});

function refang(u: string): string {
  return u.trim().replace(/^hxxp/i, 'http').replace(/\[\.\]/g, '.');
}

function defang(u: string): string {
  return u.replace(/^http/i, 'hxxp').replace(/^(hxxps?:\/\/[^/?#]*)/i, (h) => h.replace(/\./g, '[.]'));
}

/** What is blocked, canonical: the URL as the WHATWG parser writes it, or its host. */
export function urlTarget(input: { url: string; host: boolean }): string {
  const raw = refang(input.url);
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `http://${raw}`);
    return input.host ? u.hostname : u.href;
  } catch {
    return raw.toLowerCase();
  }
}

export default defineResponseAction({
  id: 'block-url',
  description: 'Block a URL (or its whole host) at the web proxy. Always simulated for now (no proxy adapter): the block is recorded on the case, defanged, for an analyst to apply.',
  destructive: true,
  inputSchema: BlockUrlInput,
  configSchema: BlockUrlConfig,
  outputs: { url: 'the blocked URL or host (defanged)', scope: 'url or host', adapter: 'none' },
  target: (i) => urlTarget(i),
  async run(input, ctx) {
    const target = urlTarget(input);
    const shown = input.host ? target.replace(/\./g, '[.]') : defang(target);
    const scope = input.host ? 'host' : 'url';
    const reason = input.reason || `case #${ctx.case.number}: ${ctx.case.title}`;
    return {
      status: 'simulated',
      reason,
      details: { url: shown, scope, note: 'Simulated: no web proxy was changed (no proxy adapter exists yet); apply the block in the proxy.' },
      outputs: { url: shown, scope, adapter: 'none' },
    };
  },
});
