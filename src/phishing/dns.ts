import { Resolver } from 'node:dns/promises';
import { createRequire } from 'node:module';
import type { AuthVerifier } from './analyze.js';
import type { PhishingConfig } from './config.js';
import { addressDomain, sameOrg } from './domains.js';
import type { AuthSummary } from './types.js';

// Authentication checked here rather than taken from the receiving server's headers, with mailauth
// (DKIM signatures against their published keys, SPF for the relay that handed the message in,
// DMARC of the From domain with its organisational fallback, the ARC chain, BIMI): RFC work a
// maintained library does. Only built when phishing.dns.resolver is set, so an unconfigured Vigil
// never sends a DNS query about a message. mailauth 4.9 is the newest line that runs on Node 20
// (5.x needs Node 22).

/** A DNS lookup as mailauth calls it (the shape of node:dns/promises resolve()). */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown>;

interface MailauthResult {
  dkim?: { results?: Array<{ signingDomain?: string; selector?: string; status?: { result?: string; comment?: string } }> };
  spf?: { domain?: string; status?: { result?: string; comment?: string } } | false;
  dmarc?: { domain?: string; policy?: string; status?: { result?: string; comment?: string } } | false;
  arc?: { i?: number; status?: { result?: string; comment?: string } } | false;
  bimi?: { status?: { result?: string } } | false;
}

// A CommonJS package: loaded on first use only (a verifier exists only with a resolver configured).
let authenticate: ((input: Buffer, opts: Record<string, unknown>) => Promise<MailauthResult>) | null = null;
function mailauth(): NonNullable<typeof authenticate> {
  authenticate ??= (createRequire(import.meta.url)('mailauth') as { authenticate: NonNullable<typeof authenticate> }).authenticate;
  return authenticate;
}

/** Lookups on one configured server (`1.1.1.1`, `127.0.0.1:5353`, `[::1]:53`). */
export function resolverOn(server: string, timeoutMs: number): MailauthResolver {
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([server]);
  return (name, rrtype) => r.resolve(name, rrtype);
}

/** The verifier the CLI and services use; null when no resolver is configured (offline). */
export function createDnsVerifier(cfg: PhishingConfig['dns'], resolver?: MailauthResolver): AuthVerifier | null {
  if (!cfg.resolver && !resolver) return null;
  const lookup = resolver ?? resolverOn(cfg.resolver!, cfg.timeoutMs);
  const where = cfg.resolver ?? 'the given resolver';
  return {
    async verify({ raw, email, auth, fromDomain, senderIp }) {
      await verifyAuth(lookup, { raw, auth, fromDomain, senderIp, returnPath: email.returnPath ?? null }, where);
    },
  };
}

// mailauth reports a body changed after signing as "neutral (body hash did not verify)"; RFC 6376
// (6.1.3) makes that a failed verification, which is what an analyst needs to read.
function dkimWord(status: { result?: string; comment?: string } | undefined): string {
  const r = status?.result ?? 'none';
  return r === 'neutral' && /body hash/i.test(status?.comment ?? '') ? 'fail' : r;
}

/** Replaces the stated SPF/DKIM/DMARC/ARC results with the ones mailauth works out through DNS. */
export async function verifyAuth(resolver: MailauthResolver, input: { raw: Uint8Array; auth: AuthSummary; fromDomain: string; senderIp: string | null; returnPath: string | null }, where: string): Promise<void> {
  const { auth, fromDomain } = input;
  const source = `DNS via ${where}`;
  const done: string[] = [];
  const mailfrom = auth.spf?.identity === 'mailfrom' && auth.spf.domain ? auth.spf.domain : input.returnPath ? addressDomain(input.returnPath) : null;
  const sender = input.returnPath ?? (mailfrom ? `postmaster@${mailfrom}` : undefined);
  let res: MailauthResult;
  try {
    res = await mailauth()(Buffer.from(input.raw), { resolver, ip: input.senderIp ?? undefined, sender, mta: 'vigil', disableBimi: false });
  } catch (e) {
    auth.verification = `DNS resolver configured (${where}) but the check failed: ${(e as Error).message}`;
    return;
  }
  const sigs = res.dkim?.results ?? [];
  if (sigs.length) {
    auth.dkim = sigs.map((d) => ({ result: dkimWord(d.status), domain: d.signingDomain ?? null, selector: d.selector ?? null, aligned: d.signingDomain && fromDomain ? sameOrg(d.signingDomain, fromDomain) : null, source, verified: true, ...(d.status?.comment && { reason: d.status.comment }) }));
    done.push(`${sigs.length} DKIM signature${sigs.length === 1 ? '' : 's'} checked`);
  }
  if (input.senderIp && mailfrom && res.spf) {
    auth.spf = { result: res.spf.status?.result ?? 'none', domain: mailfrom, identity: 'mailfrom', ip: input.senderIp, aligned: fromDomain ? sameOrg(mailfrom, fromDomain) : null, source: `${source}${res.spf.status?.comment ? `: ${res.spf.status.comment}` : ''}`, verified: true };
    done.push(`SPF evaluated for ${input.senderIp}`);
  }
  if (fromDomain && res.dmarc) {
    auth.dmarc = { result: res.dmarc.status?.result ?? 'none', domain: fromDomain, policy: res.dmarc.policy ?? null, source: `${source}${res.dmarc.status?.comment ? `: ${res.dmarc.status.comment}` : ''}`, verified: true };
    done.push('DMARC record looked up');
  }
  if (res.arc && (res.arc.i ?? 0) > 0) {
    auth.arc = { result: res.arc.status?.result ?? 'none', instances: res.arc.i ?? 0, original: auth.arc?.original ?? null, sealers: auth.arc?.sealers ?? [], source, verified: true };
    done.push('ARC chain validated');
  }
  if (res.bimi && res.bimi.status?.result && res.bimi.status.result !== 'skipped' && res.bimi.status.result !== 'none') done.push(`BIMI ${res.bimi.status.result}`);
  const spfAligned = !!auth.spf && auth.spf.result === 'pass' && !!auth.spf.aligned;
  const dkimAligned = auth.dkim.some((d) => d.result === 'pass' && d.aligned);
  auth.alignment = { spf: spfAligned, dkim: dkimAligned, pass: spfAligned || dkimAligned };
  auth.verification = done.length ? `verified through DNS (${where}): ${done.join(', ')}` : `DNS resolver configured (${where}) but nothing to check: no DKIM signature, no sender IP or From domain`;
}
