import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import { renderReportHtml } from '../../../reports/index.js';
import { sshBruteForceCaseReport } from '../../../reports/fixtures.js';
import type { NotificationChannelInstance } from '../../channel.js';
import { DeliveryError } from '../../errors.js';
import { Secrets } from '../../secrets.js';
import { failure, sampleNotification } from '../../testing.js';
import email, { EmailConfig } from './index.js';

interface Received {
  raw: string;
  from: string;
  to: string[];
  user: unknown;
  secure: boolean;
}

interface Smtp {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback (smtp-server), with its built-in self-signed certificate for STARTTLS. */
async function startSmtp(opts: { auth?: boolean; starttls?: boolean; reject?: (n: number) => { code: number; message: string } | undefined } = {}): Promise<Smtp> {
  const received: Received[] = [];
  let n = 0;
  const options: SMTPServerOptions = {
    secure: false,
    logger: false,
    authOptional: !opts.auth,
    disabledCommands: [...(opts.starttls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])],
    onAuth(auth, _session, cb) {
      if (auth.username === 'soc-bot' && auth.password === 'smtp-pa55word') cb(null, { user: 'soc-bot' });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        n++;
        const r = opts.reject?.(n);
        if (r) return cb(Object.assign(new Error(r.message), { responseCode: r.code }));
        received.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((a) => a.address),
          user: session.user,
          secure: session.secure,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let smtp: Smtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

function channel(config: Record<string, unknown>, env: Record<string, string> = {}): NotificationChannelInstance {
  const made = email.create(EmailConfig.parse({ host: '127.0.0.1', from: 'Vigil <vigil@soc.example.org>', to: ['oncall@soc.example.org'], timeout: '5s', ...config }), {
    outDir: '/x',
    clock: fixedClock('2025-03-14T10:00:00Z'),
    fetch,
    secrets: Secrets.load({ env }),
  });
  if ('disabled' in made) throw new Error(made.disabled);
  return made;
}

describe('email channel (through a real SMTP server on loopback)', () => {
  it('sends the text and HTML bodies with the HTML incident report attached, parsed back intact', async () => {
    smtp = await startSmtp();
    const n = sampleNotification();
    const where = await channel({ port: smtp.port, starttls: 'never', cc: ['lead@soc.example.org'] }).send(n);
    expect(where.location).toBe(`<${n.id}@soc.example.org> via 127.0.0.1:${smtp.port}`);
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.from).toBe('vigil@soc.example.org');
    expect(got.to.sort()).toEqual(['lead@soc.example.org', 'oncall@soc.example.org']);
    const mail = await PostalMime.parse(got.raw);
    expect(mail.subject).toBe('[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01');
    expect(mail.from).toMatchObject({ address: 'vigil@soc.example.org', name: 'Vigil' });
    expect(mail.messageId).toBe(`<${n.id}@soc.example.org>`);
    expect(mail.text?.trim()).toBe(n.text.trim());
    expect(mail.html).toContain('185.220.101.4');
    expect(mail.html?.trim()).toBe(n.html.trim());
    const header = (name: string): string | undefined => mail.headers.find((h) => h.key === name)?.value;
    expect(header('x-vigil-notification')).toBe(n.id);
    expect(header('x-vigil-severity')).toBe('HIGH');
    expect(header('x-vigil-case')).toBe('3');
    expect(header('auto-submitted')).toBe('auto-generated');
    expect(mail.attachments).toHaveLength(1);
    const a = mail.attachments[0]!;
    expect(a.filename).toBe('case-0003.html');
    expect(a.mimeType).toBe('text/html');
    const content = typeof a.content === 'string' ? a.content : new TextDecoder().decode(a.content);
    expect(content).toBe(renderReportHtml(sshBruteForceCaseReport()));
  });

  it('upgrades with STARTTLS and logs in with the password from the environment', async () => {
    smtp = await startSmtp({ auth: true, starttls: true });
    await channel({ port: smtp.port, starttls: 'required', user: 'soc-bot', passwordEnv: 'VIGIL_TEST_SMTP_PASSWORD', tls: { rejectUnauthorized: false } }, { VIGIL_TEST_SMTP_PASSWORD: 'smtp-pa55word' }).send(sampleNotification());
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ secure: true, user: 'soc-bot' });
  });

  it('refuses to send in clear text when STARTTLS is required and the server does not offer it', async () => {
    smtp = await startSmtp({ starttls: false });
    const e = await failure(channel({ port: smtp.port, starttls: 'required' })
      .send(sampleNotification()));
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryable).toBe(false);
    expect(smtp.received).toHaveLength(0);
  });

  it('a certificate it cannot verify stops the delivery (tls.rejectUnauthorized stays on by default)', async () => {
    smtp = await startSmtp({ starttls: true });
    const e = await failure(channel({ port: smtp.port, starttls: 'required' })
      .send(sampleNotification()));
    expect(e).toBeInstanceOf(DeliveryError);
    expect(smtp.received).toHaveLength(0);
  });

  it('a wrong password is final and never shows up in the error', async () => {
    smtp = await startSmtp({ auth: true, starttls: true });
    const e = await failure(channel({ port: smtp.port, user: 'soc-bot', passwordEnv: 'P', tls: { rejectUnauthorized: false } }, { P: 'wrong-Pa55-xyz' })
      .send(sampleNotification()));
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/^email: 127\.0\.0\.1:\d+: EAUTH: /);
    expect(e.message).not.toContain('wrong-Pa55-xyz');
  });

  it('451 is retryable, 550 is final', async () => {
    smtp = await startSmtp({ reject: (n) => (n === 1 ? { code: 451, message: 'Try again later' } : n === 2 ? { code: 550, message: 'Mailbox unavailable' } : undefined) });
    const ch = channel({ port: smtp.port, starttls: 'never' });
    const e1 = await failure(ch.send(sampleNotification()));
    expect(e1.retryable).toBe(true);
    expect(e1.message).toContain('451');
    const e2 = await failure(ch.send(sampleNotification()));
    expect(e2.retryable).toBe(false);
    expect(e2.message).toContain('550');
    await ch.send(sampleNotification());
    expect(smtp.received).toHaveLength(1);
  });

  it('a server that is not there is retryable', async () => {
    smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    const e = await failure(channel({ port, starttls: 'never' })
      .send(sampleNotification()));
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('validates addresses and needs a password reference for a login', () => {
    const base = { host: 'smtp.example.org', from: 'vigil@example.org', to: ['soc@example.org'] };
    expect(EmailConfig.safeParse({ ...base, to: ['soc@example.org\r\nBcc: all@example.org'] }).success).toBe(false);
    expect(EmailConfig.safeParse({ ...base, from: 'not an address' }).success).toBe(false);
    expect(EmailConfig.safeParse({ ...base, user: 'bot' }).error!.issues[0]!.message).toMatch(/passwordEnv/);
    expect(EmailConfig.safeParse({ ...base, password: 'hunter2' }).error!.issues[0]!.message).toMatch(/do not put the secret in the config/);
    expect(EmailConfig.parse(base)).toMatchObject({ port: 587, starttls: 'required', tls: { rejectUnauthorized: true } });
  });
});
