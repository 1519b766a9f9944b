import { generateKeyPairSync } from 'node:crypto';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeEmail } from './analyze.js';
import { defaultPhishingConfig, PhishingConfigSchema } from './config.js';
import { createDnsVerifier } from './dns.js';

// A real DNS server on 127.0.0.1 (UDP, port 0) answering from a small zone: the verifier goes
// through node:dns exactly as it would against a configured resolver.
type Zone = Record<string, { TXT?: string[]; A?: string[]; MX?: string[] }>;

function chunk(s: string): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < s.length; i += 255) out.push(Buffer.from(s.slice(i, i + 255)));
  return out;
}

async function startDns(zone: Zone): Promise<{ server: string; close(): void; queries: string[] }> {
  const sock = dgram.createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    const name = question.name.toLowerCase();
    queries.push(`${question.type} ${name}`);
    const rec = zone[name];
    const answers: dnsPacket.Answer[] = [];
    if (rec && question.type === 'TXT') for (const t of rec.TXT ?? []) answers.push({ type: 'TXT', name: question.name, ttl: 60, data: chunk(t) });
    if (rec && question.type === 'A') for (const a of rec.A ?? []) answers.push({ type: 'A', name: question.name, ttl: 60, data: a });
    if (rec && question.type === 'MX') (rec.MX ?? []).forEach((m, i) => answers.push({ type: 'MX', name: question.name, ttl: 60, data: { preference: 10 + i, exchange: m } }));
    const res = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rec ? 0 : 3), questions: q.questions, answers });
    sock.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { server: `127.0.0.1:${sock.address().port}`, close: () => sock.close(), queries };
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pubB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const zone: Zone = {
  's1._domainkey.shop.example': { TXT: [`v=DKIM1; k=rsa; p=${pubB64}`] },
  'mail.shop.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 include:_spf.esp.example -all'], A: ['192.0.2.10'] },
  '_spf.esp.example': { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] },
  '_dmarc.shop.example': { TXT: ['v=DMARC1; p=reject; adkim=s; rua=mailto:d@shop.example'] },
  'redirected.example': { TXT: ['v=spf1 redirect=mail.shop.example'] },
  'mx.example': { TXT: ['v=spf1 mx -all'], MX: ['mx1.mx.example'] },
  'mx1.mx.example': { A: ['203.0.113.25'] },
  'loop.example': { TXT: ['v=spf1 include:loop.example -all'] },
  'sub.parent.example': { TXT: [] },
  '_dmarc.parent.example': { TXT: ['v=DMARC1; p=none; sp=quarantine'] },
};

async function signedMessage(): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim: { domainName: 'shop.example', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string } });
  const info = await transport.sendMail({
    from: 'Shop <news@shop.example>',
    to: 'alice@corp.example',
    subject: 'Your receipt',
    text: 'Thanks for your order.\r\nTotal: 12 EUR   \r\n\r\n\r\n',
    html: '<p>Thanks for your order.</p>',
    messageId: '<r1@shop.example>',
    date: new Date('2024-05-20T10:00:00Z'),
  });
  // What the receiving side adds in front: the relay that handed the message in.
  const trace = 'Return-Path: <bounce@mail.shop.example>\r\nReceived: from out.shop.example (out.shop.example [192.0.2.10]) by mx.corp.example with ESMTPS id X1; Mon, 20 May 2024 10:00:02 +0000\r\n';
  return Buffer.concat([Buffer.from(trace), info.message as Buffer]);
}

let dns: Awaited<ReturnType<typeof startDns>>;
beforeAll(async () => {
  dns = await startDns(zone);
});
afterAll(() => dns?.close());

describe('DKIM, SPF and DMARC through a configured resolver', () => {
  it('verifies a signature made by another implementation (nodemailer) and checks SPF and DMARC', async () => {
    const cfg = PhishingConfigSchema.parse({ dns: { resolver: dns.server } });
    const r = await analyzeEmail(await signedMessage(), { file: 'signed.eml', config: cfg, verifier: createDnsVerifier(cfg.dns) });
    expect(r.auth.dkim).toEqual([expect.objectContaining({ result: 'pass', domain: 'shop.example', selector: 's1', aligned: true, verified: true })]);
    expect(r.auth.spf).toMatchObject({ result: 'pass', domain: 'mail.shop.example', ip: '192.0.2.10', verified: true });
    expect(r.auth.dmarc).toMatchObject({ result: 'pass', policy: 'reject', verified: true });
    expect(r.auth.verification).toBe(`verified through DNS (${dns.server}): 1 DKIM signature checked, SPF evaluated for 192.0.2.10, DMARC record looked up`);
    expect(r.findings.filter((f) => f.id.startsWith('auth.'))).toEqual([]);
    expect(dns.queries).toEqual(expect.arrayContaining(['TXT s1._domainkey.shop.example', 'TXT mail.shop.example', 'TXT _dmarc.shop.example']));
  });

  it('fails a message whose body was changed after signing, and reports the DMARC failure', async () => {
    const raw = (await signedMessage()).toString('latin1').replace('Total: 12 EUR', 'Total: 99 EUR');
    const cfg = PhishingConfigSchema.parse({ dns: { resolver: dns.server } });
    const r = await analyzeEmail(Buffer.from(raw, 'latin1'), { file: 'tampered.eml', config: cfg, verifier: createDnsVerifier(cfg.dns) });
    // mailauth says "neutral (body hash did not verify)"; RFC 6376 6.1.3 makes it a failed verification
    expect(r.auth.dkim[0]).toMatchObject({ result: 'fail', reason: expect.stringContaining('body hash') });
    // SPF still passes for mail.shop.example and aligns (relaxed aspf), so DMARC passes on SPF alone.
    expect(r.auth.dmarc?.result).toBe('pass');
    const resubjected = Buffer.from((await signedMessage()).toString('latin1').replace('Subject: Your receipt', 'Subject: Your refund'), 'latin1');
    const h = await analyzeEmail(resubjected, { file: 'subject.eml', config: cfg, verifier: createDnsVerifier(cfg.dns) });
    expect(h.auth.dkim[0]).toMatchObject({ result: 'fail', reason: expect.stringContaining('bad signature') });
    const forged = Buffer.from(raw.replace('[192.0.2.10]', '[203.0.113.77]'), 'latin1');
    const f = await analyzeEmail(forged, { file: 'forged.eml', config: cfg, verifier: createDnsVerifier(cfg.dns) });
    expect(f.auth.spf).toMatchObject({ result: 'fail', ip: '203.0.113.77' });
    expect(f.auth.dmarc).toMatchObject({ result: 'fail', policy: 'reject' });
    expect(f.findings.map((x) => x.id)).toEqual(expect.arrayContaining(['auth.dmarc.fail', 'auth.spf.fail', 'auth.dkim.fail']));
  });

  it('evaluates SPF includes, redirects and mx records, and a missing record, for the relay that handed the message in', async () => {
    const cfg = PhishingConfigSchema.parse({ dns: { resolver: dns.server } });
    const verifier = createDnsVerifier(cfg.dns);
    const signed = (await signedMessage()).toString('latin1');
    const spfOf = async (ip: string, envelope: string) => {
      const raw = signed.replace('[192.0.2.10]', `[${ip}]`).replace('Return-Path: <bounce@mail.shop.example>', `Return-Path: <${envelope}>`);
      return (await analyzeEmail(Buffer.from(raw, 'latin1'), { file: 'x.eml', config: cfg, verifier })).auth.spf;
    };
    expect(await spfOf('198.51.100.9', 'x@mail.shop.example')).toMatchObject({ result: 'pass', verified: true });
    expect(await spfOf('192.0.2.200', 'x@redirected.example')).toMatchObject({ result: 'pass' });
    expect(await spfOf('203.0.113.25', 'x@mx.example')).toMatchObject({ result: 'pass' });
    expect(await spfOf('203.0.113.26', 'x@mx.example')).toMatchObject({ result: 'fail' });
    expect((await spfOf('203.0.113.26', 'x@loop.example'))?.result).toMatch(/permerror|temperror/);
    expect(await spfOf('203.0.113.26', 'x@nothing.example')).toMatchObject({ result: 'none' });
  });

  it('stays offline without a resolver: no verifier, results "not verified"', async () => {
    expect(createDnsVerifier(defaultPhishingConfig().dns)).toBeNull();
    const r = await analyzeEmail(await signedMessage(), { file: 'signed.eml', config: defaultPhishingConfig() });
    expect(r.auth.dkim).toEqual([expect.objectContaining({ result: 'not verified', domain: 'shop.example', verified: false })]);
    expect(r.auth.verification).toMatch(/^not verified/);
  });
});
