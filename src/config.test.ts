import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV_OVERRIDES, loadConfig, maskSecrets, PACKAGE_ROOT } from './config.js';
import { VigilError } from './core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function loadError(opts: Parameters<typeof loadConfig>[0]): VigilError {
  try {
    loadConfig(opts);
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    return e as VigilError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig defaults', () => {
  it('without a file or env gives the documented defaults, paths absolute against cwd', () => {
    const { config, file, env } = loadConfig({ env: {}, cwd: dir });
    expect(file).toBeUndefined();
    expect(env).toEqual([]);
    expect(config.out).toBe(join(dir, 'vigil-out'));
    expect(config.dataDir).toBe(join(dir, '.vigil'));
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.log.level).toBe('warn');
    expect(config.input.maxLineBytes).toBe(1_048_576);
    expect(config.assess.thresholds).toEqual({ MEDIUM: 30, HIGH: 55, CRITICAL: 80 });
    expect(config.assess.weights).toEqual({ ruleLevel: 1, intel: 1, asset: 1, tags: 1 });
    expect(config.assess.mitrePoints).toBe(5);
    expect(config.cases.window).toBe(3_600_000);
    expect(config.cases.groupBy).toEqual(['observable', 'rule', 'host']);
    expect(config.notify).toEqual({ minSeverity: 'HIGH', channels: ['outbox'] });
    expect(config.playbooks.dir).toBe(join(PACKAGE_ROOT, 'samples/playbooks'));
    expect(config.feeds).toEqual([{ path: join(PACKAGE_ROOT, 'samples/feeds'), format: 'auto' }]);
    expect(config.database.url).toBeUndefined();
  });

  it('picks up ./vigil.yaml from cwd when no file is named', () => {
    const p = write('vigil.yaml', 'out: results\n');
    const { config, file } = loadConfig({ env: {}, cwd: dir });
    expect(file).toBe(p);
    expect(config.out).toBe(join(dir, 'results'));
  });

  it('treats an empty file as all defaults', () => {
    const p = write('empty.yaml', '# nothing set\n');
    const { config, file } = loadConfig({ file: p, env: {} });
    expect(file).toBe(p);
    expect(config.server.port).toBe(8080);
  });
});

describe('loadConfig from vigil.yaml', () => {
  it('resolves relative paths against the file folder, not cwd, and keeps absolute ones', () => {
    const p = write(
      'vigil.yaml',
      [
        'out: ./out',
        'dataDir: state/db',
        'playbooks:',
        '  dir: /etc/vigil/playbooks',
        '  allowlistIps: [203.0.113.7]',
        'feeds:',
        '  - path: feeds/feodo.csv',
        '    format: feodo',
        'cases:',
        '  window: 15m',
        '  groupBy: [host]',
        'assess:',
        '  assets:',
        '    - pattern: "dc-*"',
        '      criticality: critical',
        '',
      ].join('\n'),
    );
    const { config, file } = loadConfig({ file: p, env: {}, cwd: '/somewhere/else' });
    expect(file).toBe(p);
    expect(config.out).toBe(join(dir, 'out'));
    expect(config.dataDir).toBe(join(dir, 'state/db'));
    expect(config.playbooks.dir).toBe('/etc/vigil/playbooks');
    expect(config.playbooks.allowlistIps).toEqual(['203.0.113.7']);
    expect(config.feeds).toEqual([{ path: join(dir, 'feeds/feodo.csv'), format: 'feodo' }]);
    expect(config.cases.window).toBe(15 * 60_000);
    expect(config.cases.groupBy).toEqual(['host']);
    expect(config.assess.assets).toEqual([{ pattern: 'dc-*', criticality: 'critical' }]);
    // Unset sections still get their defaults.
    expect(config.assess.thresholds.HIGH).toBe(55);
  });

  it('resolves a relative --config path against cwd', () => {
    write('custom.yaml', 'out: o\n');
    const { config, file } = loadConfig({ file: 'custom.yaml', env: {}, cwd: dir });
    expect(file).toBe(join(dir, 'custom.yaml'));
    expect(config.out).toBe(join(dir, 'o'));
  });

  it('takes the file from VIGIL_CONFIG', () => {
    const p = write('from-env.yaml', 'server:\n  port: 9000\n');
    const { config, file } = loadConfig({ env: { VIGIL_CONFIG: p }, cwd: '/' });
    expect(file).toBe(p);
    expect(config.server.port).toBe(9000);
  });

  it('a named file that does not exist is VIGIL_CONFIG_NOT_FOUND', () => {
    const e = loadError({ file: join(dir, 'nope.yaml'), env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_NOT_FOUND');
    expect(e.message).toContain('nope.yaml');
  });
});

describe('loadConfig errors', () => {
  it('an unknown key names its line and dotted field', () => {
    const p = write('vigil.yaml', ['out: x', 'cases:', '  window: 1h', '  windw: 2h', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.file).toBe(p);
    expect(e.line).toBe(4);
    expect(e.field).toBe('cases.windw');
    expect(e.message).toMatch(/windw/);
    expect(e.toString()).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: `));
  });

  it('an unknown top-level key names its line', () => {
    const p = write('vigil.yaml', ['out: x', '', 'serevr:', '  port: 1', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.line).toBe(3);
    expect(e.field).toBe('serevr');
    expect(e.message).toMatch(/serevr/);
  });

  it('a wrong value names the nested field and its line', () => {
    const p = write('vigil.yaml', ['server:', '  host: 0.0.0.0', '  port: 70000', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.field).toBe('server.port');
    expect(e.line).toBe(3);
    expect(e.message).toContain('server.port');
  });

  it('an unknown key inside a list item names the item path', () => {
    const p = write('vigil.yaml', ['feeds:', '  - path: a.csv', '  - path: b.csv', '    fromat: csv', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.field).toBe('feeds.1.fromat');
    expect(e.message).toMatch(/fromat/);
    expect(e.line).toBe(4);
  });

  it('a bad duration says what a duration looks like', () => {
    const p = write('vigil.yaml', 'cases:\n  window: soon\n');
    const e = loadError({ file: p, env: {} });
    expect(e.field).toBe('cases.window');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/not a duration/);
  });

  it('invalid YAML reports the line of the syntax error', () => {
    const p = write('vigil.yaml', ['out: x', 'server:', '  host: "unterminated', '  port: 1', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.message).toMatch(/not valid YAML/);
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.file).toBe(p);
  });

  it('a bad indentation is reported on its line', () => {
    const p = write('vigil.yaml', ['out: x', 'server:', '  host: a', ' port: 1', ''].join('\n'));
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.line).toBe(4);
  });

  it('a file that is a list, not a mapping, is refused', () => {
    const p = write('vigil.yaml', '- a\n- b\n');
    const e = loadError({ file: p, env: {} });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.message).toMatch(/mapping/);
    expect(e.line).toBe(1);
  });
});

describe('VIGIL_* environment overrides', () => {
  it('every variable is documented, and the core ones set their paths', () => {
    const documented = readFileSync(join(PACKAGE_ROOT, 'docs/configuration.md'), 'utf8');
    for (const name of Object.keys(ENV_OVERRIDES)) expect(documented, `${name} in docs/configuration.md`).toContain(`\`${name}\``);
    const { config, env } = loadConfig({
      cwd: dir,
      env: {
        VIGIL_OUT: 'env-out',
        VIGIL_DATA_DIR: '/var/lib/vigil',
        VIGIL_DATABASE_URL: 'postgres://u:p@db:5432/vigil',
        VIGIL_HOST: '0.0.0.0',
        VIGIL_PORT: '9090',
        VIGIL_LOG_LEVEL: 'debug',
        VIGIL_PLAYBOOKS_DIR: 'pb',
        VIGIL_NOTIFY_MIN_SEVERITY: 'CRITICAL',
        UNRELATED: 'x',
      },
    });
    expect(env.sort()).toEqual(['VIGIL_DATABASE_URL', 'VIGIL_DATA_DIR', 'VIGIL_HOST', 'VIGIL_LOG_LEVEL', 'VIGIL_NOTIFY_MIN_SEVERITY', 'VIGIL_OUT', 'VIGIL_PLAYBOOKS_DIR', 'VIGIL_PORT'].sort());
    expect(config.out).toBe(join(dir, 'env-out'));
    expect(config.dataDir).toBe('/var/lib/vigil');
    expect(config.database.url).toBe('postgres://u:p@db:5432/vigil');
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(config.log.level).toBe('debug');
    expect(config.playbooks.dir).toBe(join(dir, 'pb'));
    expect(config.notify.minSeverity).toBe('CRITICAL');
  });

  it('env wins over the file, and other file keys in the same section survive', () => {
    const p = write('vigil.yaml', 'server:\n  host: 10.0.0.1\n  port: 8000\n');
    const { config, env } = loadConfig({ file: p, env: { VIGIL_PORT: '8443' } });
    expect(env).toEqual(['VIGIL_PORT']);
    expect(config.server).toEqual({ host: '10.0.0.1', port: 8443 });
  });

  it('empty variables are ignored', () => {
    const { config, env } = loadConfig({ cwd: dir, env: { VIGIL_PORT: '', VIGIL_OUT: '' } });
    expect(env).toEqual([]);
    expect(config.server.port).toBe(8080);
  });

  it('a bad env value names the field it sets', () => {
    const e = loadError({ cwd: dir, env: { VIGIL_PORT: 'eighty' } });
    expect(e.code).toBe('VIGIL_CONFIG_INVALID');
    expect(e.field).toBe('server.port');
    const e2 = loadError({ cwd: dir, env: { VIGIL_NOTIFY_MIN_SEVERITY: 'URGENT' } });
    expect(e2.field).toBe('notify.minSeverity');
  });
});

describe('maskSecrets', () => {
  it('hides secret-looking keys at any depth and credentials in URLs', () => {
    const masked = maskSecrets({
      database: { url: 'postgres://vigil:s3cr3t@db.internal:5432/vigil' },
      intel: {
        providers: {
          virustotal: { apiKey: 'abcdef0123', baseUrl: 'https://www.virustotal.com' },
          slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/X' },
          misp: { authToken: 'tok', headers: [{ name: 'x', password: 'pw' }] },
        },
      },
      smtp: { passwd: 'p', user: 'alice', secret: '' },
      server: { port: 8080 },
    }) as any;
    expect(masked.database.url).toBe('postgres://vigil:***@db.internal:5432/vigil');
    expect(masked.intel.providers.virustotal).toEqual({ apiKey: '***', baseUrl: 'https://www.virustotal.com' });
    expect(masked.intel.providers.slack.webhookUrl).toBe('***');
    expect(masked.intel.providers.misp.authToken).toBe('***');
    expect(masked.intel.providers.misp.headers[0]).toEqual({ name: 'x', password: '***' });
    expect(masked.smtp).toEqual({ passwd: '***', user: 'alice', secret: '' });
    expect(masked.server.port).toBe(8080);
  });

  it('does not change the input and leaves plain URLs alone', () => {
    const input = { out: 'vigil-out', url: 'https://example.org/a@b', db: 'postgres://user:pw@h/db' };
    const masked = maskSecrets(input);
    expect(masked).toEqual({ out: 'vigil-out', url: 'https://example.org/a@b', db: 'postgres://user:***@h/db' });
    expect(input.db).toBe('postgres://user:pw@h/db');
  });

  it('masks a loaded config without losing its shape', () => {
    const { config } = loadConfig({ cwd: dir, env: { VIGIL_DATABASE_URL: 'postgresql://admin:hunter2@10.0.0.5/vigil' } });
    const masked = maskSecrets(config) as typeof config;
    expect(JSON.stringify(masked)).not.toContain('hunter2');
    expect(masked.database.url).toBe('postgresql://admin:***@10.0.0.5/vigil');
    expect(masked.server).toEqual(config.server);
  });
});

describe('server: public address and TLS', () => {
  it('publicUrl is the one source of case links: notify.caseUrl defaults to its case page', () => {
    const file = write('vigil.yaml', 'server:\n  publicUrl: https://vigil.example.org/soc/\n  tls:\n    certFile: tls/cert.pem\n    keyFile: /etc/vigil/key.pem\n    redirectPort: 8081\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.server.publicUrl).toBe('https://vigil.example.org/soc');
    expect(config.notify.caseUrl).toBe('https://vigil.example.org/soc/cases/{number}');
    // Paths resolve against the file's folder, like every other path in it.
    expect(config.server.tls).toEqual({ certFile: join(dir, 'tls/cert.pem'), keyFile: '/etc/vigil/key.pem', redirectPort: 8081 });
    const own = write('own.yaml', 'server:\n  publicUrl: https://vigil.example.org\nnotify:\n  caseUrl: https://hive.example.org/case/{id}\n');
    expect(loadConfig({ file: own, env: {} }).config.notify.caseUrl).toBe('https://hive.example.org/case/{id}');
    expect(loadConfig({ cwd: tmpdir(), env: {} }).config.notify.caseUrl).toBeUndefined();
  });

  it('takes them from the environment, as a container sets them', () => {
    const { config } = loadConfig({ cwd: dir, env: { VIGIL_PUBLIC_URL: 'https://soc.example.org', VIGIL_TLS_CERT_FILE: '/run/secrets/cert.pem', VIGIL_TLS_KEY_FILE: '/run/secrets/key.pem' } });
    expect(config.server).toMatchObject({ publicUrl: 'https://soc.example.org', tls: { certFile: '/run/secrets/cert.pem', keyFile: '/run/secrets/key.pem' } });
    expect(config.notify.caseUrl).toBe('https://soc.example.org/cases/{number}');
  });

  it('refuses a public address that is not a plain http(s) URL, and TLS without its key', () => {
    for (const bad of ['vigil.example.org', 'javascript:alert(1)', 'https://vigil.example.org/?x=1', 'https://user:pw@vigil.example.org', 'https://vigil example.org']) {
      const e = loadError({ file: write('bad.yaml', `server:\n  publicUrl: "${bad}"\n`), env: {} });
      expect(e.field, bad).toBe('server.publicUrl');
      expect(e.line).toBe(2);
    }
    const e = loadError({ file: write('tls.yaml', 'server:\n  tls:\n    certFile: cert.pem\n'), env: {} });
    expect(e.field).toBe('server.tls.keyFile');
  });
});
