import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { VigilError } from '../core/errors.js';
import { RESPONSE_ACTIONS } from './actions/registry.js';
import { actionSettingsIssues, parseActionSettings } from './settings.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-pb-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(yaml: string): VigilError {
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  try {
    loadConfig({ file, env: {} });
  } catch (e) {
    return e as VigilError;
  }
  throw new Error('no error');
}

describe('playbooks settings', () => {
  it('defaults to dry run, with timeouts and limits', () => {
    const { config } = loadConfig({ env: {}, cwd: dir });
    expect(config.playbooks).toMatchObject({ dryRun: true, runTimeout: 600_000, stepTimeout: 30_000, approvalExpiry: 86_400_000, maxItems: 200, actions: {} });
  });

  it('names the file, line and field of a bad action setting', () => {
    const e = configError('playbooks:\n  dryRun: false\n  actions:\n    block-ip:\n      adapter: wazuh\n');
    expect(e).toBeInstanceOf(VigilError);
    expect(e.field).toBe('playbooks.actions.block-ip.wazuh');
    expect(e.line).toBe(4);
    expect(e.message).toContain('adapter wazuh needs wazuh: {url, agents}');
    const unknown = configError('playbooks:\n  actions:\n    nuke-host: {}\n');
    expect(unknown.field).toBe('playbooks.actions.nuke-host');
    expect(unknown.line).toBe(3);
    expect(unknown.message).toMatch(/unknown action "nuke-host"/);
    const key = configError('playbooks:\n  actions:\n    http-request:\n      allowlist: [x]\n');
    expect(key.field).toBe('playbooks.actions.http-request.allowlist');
    expect(key.line).toBe(4);
    expect(configError('playbooks:\n  stepTimeout: soon\n').field).toBe('playbooks.stepTimeout');
  });

  it('parses each action’s settings with their defaults, or throws naming the field', () => {
    const m = parseActionSettings({ 'http-request': { allow: ['https://x.example/*'] } }, RESPONSE_ACTIONS as never);
    expect(m.get('http-request')).toMatchObject({ allow: ['https://x.example/*'], timeout: 10_000, maxBytes: 1_048_576 });
    expect(m.get('block-ip')).toEqual({ adapter: 'none' });
    expect(() => parseActionSettings({ 'block-ip': { adapter: 'ssh' } }, RESPONSE_ACTIONS as never)).toThrow(expect.objectContaining({ field: 'playbooks.actions.block-ip.adapter' }));
    expect(actionSettingsIssues({ 'block-ip': { wazuh: { url: 'https://w:55000', agents: ['001'], passwordEnv: 'lower case!' } } })).toEqual([
      { path: ['block-ip', 'wazuh', 'passwordEnv'], message: 'must be an environment variable name (letters, digits, _)' },
    ]);
  });
});
