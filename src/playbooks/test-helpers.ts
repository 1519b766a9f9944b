// Shared by the playbook tests: a case, settings, fake actions for timing and failure paths.
import { expect } from 'vitest';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { actionConfig, defineResponseAction, PlaybookCaseSchema, retryableFailure, type PlaybookCase, type ResponseAction } from './action.js';
import { RESPONSE_ACTIONS } from './actions/registry.js';
import { loadPlaybookText } from './loader.js';
import type { Playbook } from './schema.js';
import type { PlaybookSettings } from './settings.js';

export function kase(over: Partial<PlaybookCase> = {}): PlaybookCase {
  return PlaybookCaseSchema.parse({
    id: 'case_1',
    number: 12,
    title: 'sshd: brute force from 185.220.101.4 on web-01',
    severity: 'HIGH',
    score: 70,
    hosts: ['web-01'],
    observables: [
      { type: 'ipv4', value: '185.220.101.4', scope: 'public', role: 'src', verdict: 'malicious', risk: 90 },
      { type: 'ipv4', value: '10.0.2.20', scope: 'private', role: 'dst', verdict: 'suspicious', risk: 40 },
      { type: 'ipv4', value: '45.155.205.233', scope: 'public', role: 'src', verdict: 'suspicious', risk: 55 },
      { type: 'ipv4', value: '8.8.8.8', scope: 'public', role: 'dst', verdict: 'safe', risk: 0 },
      { type: 'domain', value: 'telemetry-cdn-sync.top', verdict: 'malicious', risk: 80 },
      { type: 'user', value: 'root', role: 'user', verdict: 'unknown', risk: 0 },
    ],
    alerts: [{ id: 'al_1', title: 'sshd brute force', ruleId: '5712', host: 'web-01', source: 'wazuh', time: '2025-03-14T09:00:00.000Z' }],
    sources: ['wazuh'],
    ruleIds: ['5712'],
    ruleGroups: ['sshd', 'authentication_failed'],
    mitre: ['T1110.001'],
    assets: [{ host: 'web-01', criticality: 'high' }],
    ...over,
  });
}

export function settings(over: Partial<PlaybookSettings> = {}): PlaybookSettings {
  return {
    dir: '',
    allowlistIps: ['45.155.205.233'],
    allowlistHosts: ['dc-*'],
    dryRun: true,
    runTimeout: 600_000,
    stepTimeout: 30_000,
    approvalExpiry: 86_400_000,
    maxItems: 200,
    actions: {},
    ...over,
  };
}

/** Waits `ms` (or until the step's signal aborts it). */
export const slowAction = defineResponseAction({
  id: 'slow',
  description: 'test: waits',
  destructive: false,
  inputSchema: z.strictObject({ ms: z.number(), label: z.string().default('slow') }),
  configSchema: actionConfig({}),
  outputs: { waited: 'ms' },
  target: (i) => i.label,
  run: (input, ctx) =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve({ status: 'executed', reason: 'waited', details: {}, outputs: { waited: input.ms } }), input.ms);
      ctx.signal.addEventListener('abort', () => clearTimeout(t));
    }),
});

/** Fails retryably until its `calls` counter reaches `succeedOn`, then succeeds; counts every call. */
export function flakyAction(calls: { n: number }, succeedOn: number, opts: { retryable?: boolean; throws?: boolean } = {}): ResponseAction<{ label: string }, unknown> {
  return defineResponseAction({
    id: 'flaky',
    description: 'test: fails, then works',
    destructive: false,
    inputSchema: z.strictObject({ label: z.string().default('flaky') }),
    configSchema: actionConfig({}),
    outputs: { call: 'which call worked' },
    target: (i) => i.label,
    async run() {
      calls.n++;
      if (calls.n >= succeedOn) return { status: 'executed', reason: 'worked', details: {}, outputs: { call: calls.n } };
      if (opts.throws) throw new Error(`boom ${calls.n}`);
      return opts.retryable === false ? { status: 'failed', reason: `permanent failure ${calls.n}`, details: {} } : retryableFailure(`HTTP 503 (call ${calls.n})`);
    },
  }) as never;
}

/** A destructive action that reports `executed` (to see dry-run decisions and crash-safe recording). */
export const zapAction = defineResponseAction({
  id: 'zap',
  description: 'test: destructive',
  destructive: true,
  inputSchema: z.strictObject({ target: z.string() }),
  configSchema: actionConfig({}),
  outputs: {},
  target: (i) => i.target,
  async run(input, ctx) {
    return ctx.dryRun ? { status: 'simulated', reason: `would zap ${input.target}`, details: {} } : { status: 'executed', reason: `zapped ${input.target}`, details: {} };
  },
});

export const TEST_ACTIONS = [...RESPONSE_ACTIONS, slowAction, zapAction] as never as readonly ResponseAction<never, never>[];

export function pb(file: string, yaml: string, actions: readonly ResponseAction<never, never>[] = TEST_ACTIONS): Playbook {
  const r = loadPlaybookText(file, yaml, { actions });
  expect(r.issues).toEqual([]);
  return r.playbook!;
}

/** A clock the test moves. */
export function movableClock(iso: string): Clock & { advance(ms: number): void; set(iso: string): void } {
  let t = Date.parse(iso);
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
    set(v) {
      t = Date.parse(v);
    },
  };
}

export const testServices = { fetch: (() => Promise.reject(new Error('no network in tests'))) as typeof fetch, env: {}, log: silentLogger };
