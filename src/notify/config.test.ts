import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../config.js';
import { VigilError } from '../core/errors.js';
import { Secrets } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string): ReturnType<typeof loadConfig> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} });
}

function loadError(yaml: string): VigilError {
  try {
    load(yaml);
  } catch (e) {
    return e as VigilError;
  }
  throw new Error('expected a config error');
}

describe('notify config', () => {
  it('parses channels, settings, routes, quiet hours, digest and retries; the secrets file resolves against the config', () => {
    const { config } = load(`notify:
  minSeverity: MEDIUM
  channels: [outbox, soc]
  secretsFile: secrets.yaml
  caseUrl: "https://vigil.example.org/cases/{number}"
  channelSettings:
    soc: { type: slack, urlEnv: VIGIL_SLACK_WEBHOOK, mentionOnCritical: "<!here>" }
    webhook: { urlRef: n8n, secretEnv: VIGIL_N8N_KEY }
  routes:
    - name: page
      match: { minSeverity: CRITICAL }
      channels: [soc, webhook]
      template: brief
  quietHours: { timezone: Europe/Paris, start: "22:00", end: "07:00" }
  digest: { interval: 30m }
  throttle: 2h
  retry: { attempts: 5 }
`);
    expect(config.notify.secretsFile).toBe(join(dir, 'secrets.yaml'));
    expect(config.notify.routes![0]).toMatchObject({ name: 'page', template: 'brief', digest: true, quietHours: true, final: false });
    expect(config.notify.digest).toEqual({ severities: ['LOW', 'MEDIUM'], interval: 1_800_000, maxCases: 100 });
    expect(config.notify.throttle).toBe(7_200_000);
    expect(config.notify.retry).toEqual({ attempts: 5, quickAttempts: 2, quickMaxWait: 5000, backoff: 2000, maxBackoff: 3_600_000 });
  });

  it('a bad channel setting is reported with its file, line and field', () => {
    const e = loadError(`notify:
  channels: [soc]
  channelSettings:
    soc:
      type: slack
      urlEnv: VIGIL_SLACK_WEBHOOK
      mentionOnCritical: everyone
`);
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.line).toBe(7);
    expect(e.field).toBe('notify.channelSettings.soc.mentionOnCritical');
  });

  it('an inline webhook URL is refused, pointing at urlEnv/urlRef', () => {
    const e = loadError(`notify:
  channels: [slack]
  channelSettings:
    slack:
      url: https://hooks.slack.com/services/T0/B0/abc
`);
    expect(e.line).toBe(5);
    expect(e.message).toContain('do not put the secret in the config: set urlEnv');
    expect(e.message).not.toContain('hooks.slack.com/services');
  });

  it('unknown channels, unknown setting keys, channels without their settings and duplicate route names are errors', () => {
    expect(loadError('notify:\n  channels: [pager]\n').message).toMatch(/notify\.channels\.0: unknown channel "pager"/);
    expect(loadError('notify:\n  channelSettings:\n    slack: { urlEnv: X, colour: red }\n')).toMatchObject({ field: 'notify.channelSettings.slack.colour', line: 3 });
    expect(loadError('notify:\n  channels: [discord]\n').message).toMatch(/channel "discord" needs settings under notify.channelSettings.discord/);
    expect(loadError('notify:\n  channelSettings:\n    mine: { urlEnv: X }\n').message).toMatch(/unknown channel type "mine"/);
    const dup = loadError('notify:\n  routes:\n    - { name: a, channels: [outbox] }\n    - { name: a, channels: [outbox] }\n');
    expect(dup).toMatchObject({ field: 'notify.routes.1.name', line: 4 });
  });

  it('quiet hours need a real time zone and valid times', () => {
    expect(loadError('notify:\n  quietHours: { timezone: Mars/Olympus, start: "22:00", end: "07:00" }\n').message).toMatch(/not a known IANA time zone/);
    expect(loadError('notify:\n  quietHours: { start: "25:00", end: "07:00" }\n').message).toMatch(/must be a time such as 22:00/);
    expect(loadError('notify:\n  quietHours: { timezone: UTC }\n').message).toMatch(/set either start and end/);
  });

  it('vigil config check shows where secrets come from, never their values', () => {
    const { config } = load(`notify:
  channelSettings:
    email: { host: smtp.example.org, from: vigil@example.org, to: [soc@example.org], user: bot, passwordEnv: VIGIL_SMTP_PASSWORD }
    webhook: { urlRef: n8n, secretEnv: VIGIL_N8N_KEY }
  secretsFile: /run/secrets/vigil.yaml
`);
    const shown = maskSecrets(config) as { notify: { channelSettings: Record<string, Record<string, unknown>>; secretsFile: string } };
    expect(shown.notify.channelSettings.email!.passwordEnv).toBe('VIGIL_SMTP_PASSWORD');
    expect(shown.notify.channelSettings.webhook).toEqual({ urlRef: 'n8n', secretEnv: 'VIGIL_N8N_KEY' });
    expect(shown.notify.secretsFile).toBe('/run/secrets/vigil.yaml');
    // Anything that looks like a secret value is still masked.
    expect(maskSecrets({ a: { secret: 'x', apiKey: 'y', password: 'z' } })).toEqual({ a: { secret: '***', apiKey: '***', password: '***' } });
  });
});

describe('secrets', () => {
  it('come from the environment or the secrets file, and say what is missing', () => {
    const file = join(dir, 'secrets.yaml');
    writeFileSync(file, 'n8n: "https://n8n.example.org/webhook/abcdef123456"\nempty: ""\n');
    chmodSync(file, 0o600);
    const s = Secrets.load({ env: { A: 'https://hooks.slack.com/services/T/B/tok' }, file });
    expect(s.get({ env: 'A' }, 'the URL')).toEqual({ value: 'https://hooks.slack.com/services/T/B/tok' });
    expect(s.get({ ref: 'n8n' }, 'the URL')).toEqual({ value: 'https://n8n.example.org/webhook/abcdef123456' });
    expect(s.get({ env: 'B' }, 'the URL')).toEqual({ missing: 'the URL: environment variable B is not set' });
    expect(s.get({ ref: 'empty' }, 'the URL')).toEqual({ missing: 'the URL: the secrets file has no "empty"' });
    expect(Secrets.load({ env: {} }).get({ ref: 'x' }, 'the key')).toEqual({ missing: 'the key: "x" names a secret but notify.secretsFile is not set' });
    expect(s.redact('POST https://n8n.example.org/webhook/abcdef123456 failed; /services/T/B/tok')).toBe('POST *** failed; /***');
  });

  it('a broken secrets file is an error that does not quote it', () => {
    const file = join(dir, 'bad-secrets.yaml');
    writeFileSync(file, 'token: "s3cr3t-value\n  : [\n');
    let err: VigilError | undefined;
    try {
      Secrets.load({ env: {}, file });
    } catch (e) {
      err = e as VigilError;
    }
    expect(err).toBeInstanceOf(VigilError);
    expect(err!.message).toBe('the secrets file is not valid YAML or JSON');
    expect(String(err)).not.toContain('s3cr3t');
    expect(() => Secrets.load({ env: {}, file: join(dir, 'nope.yaml') })).toThrow(/cannot read the secrets file: ENOENT/);
  });
});
