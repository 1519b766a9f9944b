import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { LIVE_SOURCES } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sources-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string): ReturnType<typeof loadConfig> {
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} });
}

function error(yaml: string): VigilError {
  try {
    load(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    return e as VigilError;
  }
  throw new Error('expected the config to be rejected');
}

describe('sources: in vigil.yaml', () => {
  it('validates each entry with its source schema, applies defaults and resolves paths against the config folder', () => {
    const { config } = load(
      [
        'sources:',
        '  - name: wazuh-alerts',
        '    type: file-follow',
        '    path: logs/alerts.json',
        '  - name: wazuh-indexer',
        '    type: opensearch',
        '    url: https://indexer:9200',
        '    query: "rule.level:>=7"',
        '    username: vigil',
        '    password: s3cret',
        '    tls: { caFile: certs/root-ca.pem }',
        '  - name: elastic',
        '    type: elasticsearch',
        '    url: https://es:9200',
        '    apiKey: c2VjcmV0OmtleQ==',
        '    enabled: false',
        '  - name: sensors',
        '    type: syslog',
        '',
      ].join('\n'),
    );
    expect(config.sources).toEqual([
      { name: 'wazuh-alerts', type: 'file-follow', enabled: true, path: join(dir, 'logs/alerts.json'), startAt: 'beginning', pollInterval: 1000 },
      expect.objectContaining({ name: 'wazuh-indexer', index: 'wazuh-alerts-*', timestampField: 'timestamp', tiebreaker: '_id', pageSize: 500, interval: 10_000, delay: 30_000, tls: { caFile: join(dir, 'certs/root-ca.pem'), insecure: false } }),
      expect.objectContaining({ name: 'elastic', enabled: false, index: '.alerts-security.alerts-default', timestampField: '@timestamp', tiebreaker: 'kibana.alert.uuid' }),
      expect.objectContaining({ name: 'sensors', host: '127.0.0.1', port: 5514, protocols: ['udp', 'tcp'] }),
    ]);
    const masked = maskSecrets(config) as { sources: Array<Record<string, unknown>> };
    expect(masked.sources[1]!.password).toBe('***');
    expect(masked.sources[2]!.apiKey).toBe('***');
  });

  it('names the field and the line of a bad setting', () => {
    const e = error('out: x\nsources:\n  - name: idx\n    type: opensearch\n    url: not a url\n');
    expect(e.field).toBe('sources.0.url');
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/sources\.0\.url: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('rejects an unknown type, an unknown key and a repeated name', () => {
    const t = error('sources:\n  - name: a\n    type: kafka\n');
    expect(t.field).toBe('sources.0.type');
    expect(t.message).toContain('unknown source type "kafka" (one of file-follow, opensearch, elasticsearch, syslog)');
    const k = error('sources:\n  - name: a\n    type: file-follow\n    path: x\n    follow: true\n');
    expect(k.field).toBe('sources.0.follow');
    expect(k.line).toBe(5);
    const n = error('sources:\n  - { name: a, type: syslog }\n  - { name: a, type: file-follow, path: x }\n');
    expect(n.field).toBe('sources.1.name');
    expect(n.message).toContain('"a" is already the name of sources.0');
    expect(error('sources:\n  - { name: "../x", type: syslog }\n').field).toBe('sources.0.name');
  });
});

describe('live source registry', () => {
  const folders = readdirSync(new URL('./', import.meta.url), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'fixtures')
    .map((d) => d.name)
    .sort();
  const docs = readFileSync(new URL('../../../docs/sources.md', import.meta.url), 'utf8');

  it('registers every source folder under its folder name, each with a test beside it', () => {
    expect(LIVE_SOURCES.map((s) => s.id).sort()).toEqual(folders);
    for (const f of folders) expect(readdirSync(new URL(`./${f}/`, import.meta.url))).toContain('index.test.ts');
  });

  it('documents every source in docs/sources.md', () => {
    for (const s of LIVE_SOURCES) expect(docs, `docs/sources.md lacks "## ${s.id}"`).toContain(`\n## ${s.id}\n`);
  });
});
