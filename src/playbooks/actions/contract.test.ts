// Every registered response action through the same checks: a new action is one folder plus one
// registry line, and it must be as safe and as documented as the others.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';
import { silentLogger } from '../../core/log.js';
import type { ResponseAction } from '../action.js';
import { ctxFor } from './fake-servers.js';
import { RESPONSE_ACTIONS } from './registry.js';

const here = dirname(fileURLToPath(import.meta.url));
const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory());
const docs = readFileSync(join(PACKAGE_ROOT, 'docs/playbooks.md'), 'utf8');

/** A valid input for each action, as a playbook would render it. */
const SAMPLE: Record<string, Record<string, unknown>> = {
  'block-ip': { address: '147.45.79.113', ttl: '1h' },
  'block-sender': { sender: 'notice@paypa1-secure.com' },
  'block-url': { url: 'hxxp://paypa1[.]com.login-verify[.]xyz/signin' },
  'isolate-host': { host: 'ws-7' },
  'create-task': { title: 'Check the host' },
  enrich: {},
  'add-tag': { tags: ['x'] },
  'set-severity': { severity: 'CRITICAL' },
  'set-status': { status: 'InProgress' },
  assign: { assignee: 'tier2' },
  notify: { subject: 'hello' },
  'http-request': { url: 'https://hooks.example.org/x' },
};

const noNetwork: typeof fetch = () => {
  throw new Error('an action used the network');
};
const ctx = (a: ResponseAction<unknown, unknown>, dryRun: boolean) =>
  ctxFor(a.configSchema.parse({}), { dryRun, services: { fetch: noNetwork, env: {}, log: silentLogger, lookup: () => Promise.reject(new Error('an action resolved a name')) } });

describe('response action contract', () => {
  it('registers every action folder exactly once', () => {
    expect(RESPONSE_ACTIONS.map((a) => a.id).sort()).toEqual([...folders].sort());
    expect(new Set(RESPONSE_ACTIONS.map((a) => a.id)).size).toBe(RESPONSE_ACTIONS.length);
  });

  describe.each(RESPONSE_ACTIONS.map((a) => [a.id, a as ResponseAction<unknown, unknown>] as const))('%s', (id, a) => {
    it('is a verb named after its folder, described, with documented outputs and a sample here', () => {
      expect(folders).toContain(id);
      expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(a.description.length).toBeGreaterThan(20);
      expect(Object.keys(a.outputs).length).toBeGreaterThan(0);
      expect(SAMPLE[id]).toBeDefined();
      expect(typeof a.destructive).toBe('boolean');
    });

    it('is documented in docs/playbooks.md with its inputs and outputs', () => {
      const section = docs.split(/^### /m).find((s) => s.startsWith(`\`${id}\``));
      expect(section, `docs/playbooks.md needs a "### \`${id}\`" section`).toBeDefined();
      for (const out of Object.keys(a.outputs)) expect(section, `output ${out} of ${id}`).toContain(`\`${out}\``);
    });

    it('accepts an empty config (dev-safe defaults) and a dryRun switch, and rejects unknown settings', () => {
      expect(a.configSchema.safeParse({}).success).toBe(true);
      expect(a.configSchema.safeParse({ dryRun: false }).success).toBe(true);
      expect(a.configSchema.safeParse({ notASetting: 1 }).success).toBe(false);
    });

    it('validates its inputs: the sample passes, unknown inputs do not', () => {
      expect(a.inputSchema.safeParse(SAMPLE[id]).success).toBe(true);
      expect(a.inputSchema.safeParse({ ...SAMPLE[id], notAnInput: 1 }).success).toBe(false);
      const target = a.target(a.inputSchema.parse(SAMPLE[id]));
      expect(typeof target).toBe('string');
      expect(target.length).toBeGreaterThan(0);
    });

    it('changes nothing and calls nothing in dry run', async () => {
      const out = await a.run(a.inputSchema.parse(SAMPLE[id]), ctx(a, true));
      expect(['simulated', 'refused', 'skipped']).toContain(out.status);
      expect(out.changes).toBeUndefined();
      expect(out.tasks).toBeUndefined();
      expect(out.reason.length).toBeGreaterThan(0);
    });

    it('leaves the machine only when configured: with default settings nothing goes out, even out of dry run', async () => {
      const out = await a.run(a.inputSchema.parse(SAMPLE[id]), ctx(a, false));
      expect(out.status).not.toBe('failed');
      for (const k of Object.keys(out.outputs ?? {})) expect(Object.keys(a.outputs), `output ${k} of ${id} is not declared`).toContain(k);
    });
  });
});
