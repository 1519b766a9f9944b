import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { OBSERVABLE_TYPES } from '../../core/types.js';
import { LocalIndex } from '../local-index.js';
import type { IntelContext } from '../provider.js';
import { hasRemoteOptions } from '../remote/config.js';
import { INTEL_PROVIDERS } from './registry.js';

// Every registered provider through the same checks: a new provider is one folder plus one
// registry line, and it must behave like the others.
const here = dirname(fileURLToPath(import.meta.url));
const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory() && !f.startsWith('.') && f !== 'fixtures');

const noNetwork: typeof fetch = () => Promise.reject(new Error('a provider used the network while being created'));
const ctx: IntelContext = { clock: fixedClock('2026-01-01T00:00:00Z'), log: silentLogger, fetch: noNetwork, localIndex: LocalIndex.empty() };

describe('intel provider contract', () => {
  it('documents every provider in docs/intel.md', () => {
    const doc = readFileSync(join(here, '../../../docs/intel.md'), 'utf8');
    for (const p of INTEL_PROVIDERS) expect(doc).toContain(`| \`${p.id}\` |`);
  });

  it('registers every provider folder exactly once', () => {
    expect(INTEL_PROVIDERS.map((p) => p.id).sort()).toEqual([...folders].sort());
    expect(new Set(INTEL_PROVIDERS.map((p) => p.id)).size).toBe(INTEL_PROVIDERS.length);
  });

  describe.each(INTEL_PROVIDERS.map((p) => [p.id, p] as const))('%s', (id, def) => {
    it('has an id equal to its folder, a description and supported types', () => {
      expect(folders).toContain(id);
      expect(def.description.length).toBeGreaterThan(10);
      expect(def.supports.length).toBeGreaterThan(0);
      for (const t of def.supports) expect(OBSERVABLE_TYPES).toContain(t);
    });

    it('accepts an empty config and rejects unknown keys', () => {
      expect(def.configSchema.safeParse({}).success).toBe(true);
      expect(def.configSchema.safeParse({ notASetting: 1 }).success).toBe(false);
    });

    it(def.remote ? 'is remote: disabled without config, with a reason that says what to set' : 'is local: enabled without config', () => {
      const made = def.create(def.configSchema.parse({}) as never, ctx);
      if (def.remote) {
        expect(made).toEqual({ disabled: expect.stringMatching(new RegExp(`intel\\.providers\\.${id}\\.`)) });
        expect(hasRemoteOptions(def.configSchema.parse({}))).toBe(true);
      } else {
        expect('disabled' in made).toBe(false);
        expect(typeof (made as { lookupSync?: unknown }).lookupSync).toBe('function');
      }
    });

    it('remote providers declare a quota and cache lifetimes, and never answer synchronously', () => {
      if (!def.remote) return;
      const cfg = def.configSchema.parse({}) as { quota: Array<{ limit: number; per: number }>; cache: { positiveTtl: number; negativeTtl: number } };
      expect(cfg.quota.length).toBeGreaterThan(0);
      for (const q of cfg.quota) expect(q.limit).toBeGreaterThan(0);
      expect(cfg.cache.positiveTtl).toBeGreaterThan(0);
      expect(cfg.cache.negativeTtl).toBeGreaterThan(0);
      const enabled = def.configSchema.parse(def.enabledExample ?? { apiKey: 'k' });
      const made = def.create(enabled as never, ctx);
      expect('disabled' in made).toBe(false);
      expect((made as { lookupSync?: unknown }).lookupSync).toBeUndefined();
    });
  });
});
