// Every registered notification channel passes the same checks: registered under its folder name,
// documented, strict config, off without its secrets, delivers the sample case and the hostile one,
// and fails with a retryable DeliveryError that never contains a secret when the far end is down.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';
import { fixedClock } from '../../core/clock.js';
import { hostileCaseReport } from '../../reports/fixtures.js';
import type { ChannelContext, NotificationChannelDefinition } from '../channel.js';
import { DeliveryError } from '../errors.js';
import { NOTIFICATION_CHANNELS } from '../registry.js';
import { Secrets } from '../secrets.js';
import { sampleNotification, startReceiver } from '../testing.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = 'https://hooks.example.org/services/T000/B000/contract-secret-token';
const out = mkdtempSync(join(tmpdir(), 'vigil-contract-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Peer {
  /** Settings that point the channel at the peer. */
  config: Record<string, unknown>;
  env: Record<string, string>;
  delivered(): number;
  close(): Promise<void>;
}

interface Harness {
  /** The smallest valid settings, secrets aside. */
  minimal: Record<string, unknown>;
  /** A working peer on loopback. */
  up(): Promise<Peer>;
  /** A peer that fails (HTTP 500, SMTP 451, …); local channels have none. */
  down?(): Promise<Peer>;
}

async function http(status: number, body = 'ok'): Promise<Peer> {
  const headers: Record<string, string> = body.startsWith('{') ? { 'content-type': 'application/json' } : {};
  const rx = await startReceiver(() => ({ status, body, headers }));
  // The secret URL's path is the token: the receiver is reached through it.
  const url = `${rx.url}/services/T000/B000/contract-secret-token`;
  return { config: { urlEnv: 'VIGIL_CONTRACT_URL' }, env: { VIGIL_CONTRACT_URL: url }, delivered: () => (status < 300 ? rx.requests.length : 0), close: () => rx.close() };
}

async function smtp(failWith?: number): Promise<Peer> {
  let n = 0;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => {
        if (failWith) return cb(Object.assign(new Error('Try again later'), { responseCode: failWith }));
        n++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { config: { host: '127.0.0.1', port, starttls: 'never', from: 'vigil@example.org', to: ['soc@example.org'] }, env: {}, delivered: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** How to run each channel against a local peer. A channel without an entry here fails the suite. */
const HARNESS: Record<string, Harness> = {
  outbox: {
    minimal: {},
    async up() {
      const before = existsSync(join(out, 'outbox')) ? readdirSync(join(out, 'outbox')).length : 0;
      return { config: {}, env: {}, delivered: () => readdirSync(join(out, 'outbox')).length - before, close: async () => {} };
    },
  },
  slack: { minimal: { urlEnv: 'VIGIL_CONTRACT_URL' }, up: () => http(200, 'ok'), down: () => http(500, 'rollup_error') },
  discord: { minimal: { urlEnv: 'VIGIL_CONTRACT_URL' }, up: () => http(200, '{"id":"1234567890","channel_id":"42"}'), down: () => http(502, 'bad gateway') },
  webhook: { minimal: { urlEnv: 'VIGIL_CONTRACT_URL' }, up: () => http(200, '{}'), down: () => http(503, 'unavailable') },
  email: { minimal: { host: 'smtp.example.org', from: 'vigil@example.org', to: ['soc@example.org'], user: 'bot', passwordEnv: 'VIGIL_CONTRACT_SMTP_PASSWORD' }, up: () => smtp(), down: () => smtp(451) },
};

function ctx(env: Record<string, string>): ChannelContext {
  return { outDir: out, clock: fixedClock('2025-03-14T10:00:00Z'), fetch, secrets: Secrets.load({ env }) };
}

const docs = readFileSync(join(PACKAGE_ROOT, 'docs/notifications.md'), 'utf8');

describe('the channel registry', () => {
  it('lists every channel folder, and each channel lives in the folder named after its id', () => {
    const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory());
    expect(NOTIFICATION_CHANNELS.map((c) => c.id).sort()).toEqual(folders.sort());
  });
});

describe.each(NOTIFICATION_CHANNELS.map((c) => [c.id, c] as [string, NotificationChannelDefinition<unknown>]))('channel %s', (id, def) => {
  const h = HARNESS[id];

  it('has a test harness, a description and a section in docs/notifications.md', () => {
    expect(h, `add ${id} to HARNESS in contract.test.ts`).toBeDefined();
    expect(def.description.length).toBeGreaterThan(20);
    expect(docs).toContain(`### \`${id}\``);
  });

  it('accepts its minimal settings and refuses unknown keys', () => {
    expect(def.configSchema.safeParse(h!.minimal).success).toBe(true);
    expect(def.configSchema.safeParse({ ...h!.minimal, notASetting: 1 }).success).toBe(false);
  });

  it('a remote channel stays off without its secret: no network unless configured', () => {
    const made = def.create(def.configSchema.parse(h!.minimal), ctx({}));
    if (def.remote) {
      expect(made).toHaveProperty('disabled');
      expect((made as { disabled: string }).disabled).toMatch(/VIGIL_CONTRACT_/);
    } else expect(made).toHaveProperty('send');
  });

  it('delivers the sample case and a hostile one, saying where they went', async () => {
    const peer = await h!.up();
    try {
      const made = def.create(def.configSchema.parse(peer.config), ctx(peer.env));
      if ('disabled' in made) throw new Error(made.disabled);
      const a = await made.send(sampleNotification());
      const b = await made.send(sampleNotification(hostileCaseReport(), { id: 'ntf_HostileContract00001' }));
      for (const where of [a, b]) {
        expect(where.location.length).toBeGreaterThan(0);
        expect(where.location).not.toContain('contract-secret-token');
      }
      expect(peer.delivered()).toBeGreaterThanOrEqual(2);
    } finally {
      await peer.close();
    }
  });

  it.runIf(HARNESS[id]?.down !== undefined)('a failing peer gives a retryable DeliveryError without the secret in it', async () => {
    const peer = await h!.down!();
    try {
      const made = def.create(def.configSchema.parse(peer.config), ctx(peer.env));
      if ('disabled' in made) throw new Error(made.disabled);
      const e = await made.send(sampleNotification()).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(DeliveryError);
      expect((e as DeliveryError).retryable).toBe(true);
      expect((e as DeliveryError).message).not.toContain('contract-secret-token');
      expect((e as DeliveryError).message).not.toContain(SECRET);
    } finally {
      await peer.close();
    }
  });
});
