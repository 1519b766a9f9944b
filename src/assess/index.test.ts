import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config.js';
import type { Alert } from '../core/types.js';
import { Assessor, rulePoints, type AssessConfig, type ObservableRisk } from './index.js';

function cfg(assess: Record<string, unknown> = {}): AssessConfig {
  return ConfigSchema.parse({ assess }).assess;
}

function alert(over: { level?: number; scale?: Alert['rule']['scale']; groups?: string[]; mitre?: string[]; host?: string; id?: string } = {}): Alert {
  return {
    id: 'al_test',
    source: over.scale === 'suricata' ? 'suricata' : 'wazuh',
    sourceRef: '1',
    time: '2025-03-14T09:12:03.000Z',
    title: 'sshd: brute force',
    description: '',
    rule: {
      id: over.id ?? '5763',
      level: over.level ?? 10,
      scale: over.scale ?? 'wazuh',
      groups: over.groups ?? [],
      mitre: { ids: over.mitre ?? [], tactics: [], techniques: [] },
    },
    host: { name: over.host ?? 'web-01' },
    observables: [],
    raw: {},
  };
}

const badIp: ObservableRisk = {
  type: 'ipv4',
  value: '185.220.101.4',
  score: 90,
  verdict: 'malicious',
  evidence: ['Feodo Tracker: botnet C2 (QakBot), first seen 2025-03-01'],
};

describe('rulePoints', () => {
  it.each([
    [0, 0],
    [3, 14],
    [7, 33],
    [10, 47],
    [12, 56],
    [15, 70],
  ])('Wazuh level %i → %i points', (level, points) => {
    const r = rulePoints(alert({ level }));
    expect(r.points).toBe(points);
    expect(r.detail).toBe(`Wazuh rule 5763 level ${level} of 15`);
  });

  it.each([
    [1, 60],
    [2, 40],
    [3, 20],
    [4, 10],
  ])('Suricata severity %i → %i points (1 is the highest)', (level, points) => {
    const r = rulePoints(alert({ scale: 'suricata', level, id: '2035595' }));
    expect(r.points).toBe(points);
    expect(r.detail).toBe(`Suricata signature 2035595 severity ${level} (1 high … 3 low)`);
  });

  it('a generic level is a 0–100 scale, clamped', () => {
    expect(rulePoints(alert({ scale: 'generic', level: 50 })).points).toBe(35);
    expect(rulePoints(alert({ scale: 'generic', level: 500 })).points).toBe(70);
  });
});

describe('Assessor', () => {
  it('lists the rule level as a reason with its delta', () => {
    const a = new Assessor(cfg()).assess(alert({ level: 10 }), []);
    expect(a).toEqual({ severity: 'MEDIUM', score: 47, reasons: [{ factor: 'rule-level', detail: 'Wazuh rule 5763 level 10 of 15', delta: 47 }] });
  });

  it('maps Wazuh and Suricata levels into bands with the default thresholds', () => {
    const as = new Assessor(cfg());
    expect(as.assess(alert({ level: 3 }), []).severity).toBe('LOW');
    expect(as.assess(alert({ level: 7 }), []).severity).toBe('MEDIUM');
    expect(as.assess(alert({ level: 12 }), []).severity).toBe('HIGH');
    expect(as.assess(alert({ scale: 'suricata', level: 1 }), []).severity).toBe('HIGH');
    expect(as.assess(alert({ scale: 'suricata', level: 2 }), []).severity).toBe('MEDIUM');
    expect(as.assess(alert({ scale: 'suricata', level: 3 }), []).severity).toBe('LOW');
  });

  it('raises severity on malicious intel and names the observable and evidence', () => {
    const as = new Assessor(cfg());
    const without = as.assess(alert({ level: 10 }), []);
    const withIntel = as.assess(alert({ level: 10 }), [badIp]);
    expect(without.severity).toBe('MEDIUM');
    expect(withIntel.severity).toBe('CRITICAL');
    expect(withIntel.score).toBe(83);
    expect(withIntel.reasons[1]).toEqual({
      factor: 'intel',
      detail: 'ipv4 185.220.101.4 is malicious (risk 90): Feodo Tracker: botnet C2 (QakBot), first seen 2025-03-01',
      delta: 36,
    });
  });

  it('uses the riskiest observable and counts the other flagged ones', () => {
    const as = new Assessor(cfg());
    const risks: ObservableRisk[] = [
      { type: 'domain', value: 'telemetry-cdn-sync.top', score: 60, verdict: 'suspicious', evidence: [] },
      badIp,
      { type: 'sha256', value: 'a'.repeat(64), score: 100, verdict: 'malicious', evidence: ['local hash list'] },
      { type: 'ipv4', value: '10.0.0.1', score: 0, verdict: 'info', evidence: [] },
    ];
    const intel = as.assess(alert({ level: 3 }), risks).reasons.find((r) => r.factor === 'intel')!;
    expect(intel.detail).toBe(`sha256 ${'a'.repeat(64)} is malicious (risk 100): local hash list (+2 more flagged observables)`);
    // 100 × 0.4 + 5 for agreement, capped at 45.
    expect(intel.delta).toBe(45);
    const two = as.assess(alert({ level: 3 }), risks.slice(0, 2)).reasons.find((r) => r.factor === 'intel')!;
    expect(two.detail).toMatch(/\(\+1 more flagged observable\)$/);
    expect(two.delta).toBe(41);
  });

  it('adds no intel reason when nothing scored', () => {
    const a = new Assessor(cfg()).assess(alert(), [{ type: 'ipv4', value: '8.8.8.8', score: 0, verdict: 'safe', evidence: [] }]);
    expect(a.reasons.map((r) => r.factor)).toEqual(['rule-level']);
  });

  it('matches asset patterns first-match-wins, case-insensitively, and lists the pattern', () => {
    const as = new Assessor(
      cfg({
        assets: [
          { pattern: 'dc-*', criticality: 'critical' },
          { pattern: 'lab-??', criticality: 'low' },
          { pattern: '*', criticality: 'medium' },
        ],
      }),
    );
    expect(as.criticalityOf('DC-01')).toMatchObject({ criticality: 'critical', pattern: 'dc-*' });
    expect(as.criticalityOf('lab-07')).toMatchObject({ criticality: 'low' });
    expect(as.criticalityOf('lab-007')).toMatchObject({ criticality: 'medium', pattern: '*' });

    const dc = as.assess(alert({ level: 10, host: 'dc-01' }), []);
    expect(dc.reasons[1]).toEqual({ factor: 'asset', detail: 'host dc-01 is critical-criticality (matches "dc-*")', delta: 20 });
    expect(dc.score).toBe(67);
    expect(dc.severity).toBe('HIGH');
    const lab = as.assess(alert({ level: 10, host: 'lab-07' }), []);
    expect(lab.reasons[1]).toMatchObject({ factor: 'asset', delta: -5 });
    expect(lab.score).toBe(42);
    // Medium is worth 0 points by default: no reason line for it.
    expect(as.assess(alert({ host: 'web-01' }), []).reasons.map((r) => r.factor)).toEqual(['rule-level']);
  });

  it('a dot in a pattern is literal', () => {
    const as = new Assessor(cfg({ assets: [{ pattern: 'db.corp', criticality: 'high' }] }));
    expect(as.criticalityOf('db.corp')).toBeDefined();
    expect(as.criticalityOf('dbxcorp')).toBeUndefined();
  });

  it('adds tag points for configured rule groups and MITRE points', () => {
    const as = new Assessor(cfg({ tags: { authentication_success: 10, noise: -20 } }));
    const a = as.assess(alert({ level: 3, groups: ['pam', 'authentication_success'], mitre: ['T1078', 'T1110'] }), []);
    expect(a.reasons).toEqual([
      { factor: 'rule-level', detail: 'Wazuh rule 5763 level 3 of 15', delta: 14 },
      { factor: 'tag', detail: 'rule group "authentication_success"', delta: 10 },
      { factor: 'mitre', detail: 'maps to MITRE ATT&CK T1078, T1110', delta: 5 },
    ]);
    expect(a.score).toBe(29);
    expect(a.severity).toBe('LOW');
    const noisy = as.assess(alert({ level: 3, groups: ['noise'] }), []);
    expect(noisy.reasons[1]).toEqual({ factor: 'tag', detail: 'rule group "noise"', delta: -20 });
    // The score never goes below 0.
    expect(noisy.score).toBe(0);
  });

  it('mitrePoints 0 turns the MITRE factor off', () => {
    const a = new Assessor(cfg({ mitrePoints: 0 })).assess(alert({ mitre: ['T1110'] }), []);
    expect(a.reasons.map((r) => r.factor)).toEqual(['rule-level']);
  });

  it('moves bands with the configured thresholds', () => {
    const as = new Assessor(cfg({ thresholds: { MEDIUM: 10, HIGH: 40, CRITICAL: 47 } }));
    expect(as.severityFor(9)).toBe('LOW');
    expect(as.severityFor(10)).toBe('MEDIUM');
    expect(as.severityFor(40)).toBe('HIGH');
    expect(as.severityFor(47)).toBe('CRITICAL');
    expect(as.assess(alert({ level: 10 }), []).severity).toBe('CRITICAL');
    const def = new Assessor(cfg());
    expect([29, 30, 54, 55, 79, 80].map((s) => def.severityFor(s))).toEqual(['LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL']);
  });

  it('applies weights to each factor delta', () => {
    const as = new Assessor(
      cfg({
        weights: { ruleLevel: 0.5, intel: 2, asset: 0, tags: 1.5 },
        assets: [{ pattern: '*', criticality: 'critical' }],
        tags: { sshd: 4 },
      }),
    );
    const a = as.assess(alert({ level: 10, groups: ['sshd'], mitre: ['T1110'] }), [badIp]);
    expect(a.reasons).toEqual([
      { factor: 'rule-level', detail: 'Wazuh rule 5763 level 10 of 15', delta: 23.5 },
      { factor: 'intel', detail: expect.stringContaining('185.220.101.4'), delta: 72 },
      { factor: 'tag', detail: 'rule group "sshd"', delta: 6 },
      { factor: 'mitre', detail: 'maps to MITRE ATT&CK T1110', delta: 7.5 },
    ]);
    // 23.5 + 72 + 6 + 7.5 = 109, capped at 100; a weight of 0 removes the asset reason.
    expect(a.score).toBe(100);
    expect(a.severity).toBe('CRITICAL');
  });

  it('the score is the rounded sum of the deltas', () => {
    const as = new Assessor(cfg({ tags: { a: 0.3, b: 0.3 } }));
    const a = as.assess(alert({ level: 1, groups: ['a', 'b'] }), []);
    const sum = a.reasons.reduce((s, r) => s + r.delta, 0);
    expect(a.score).toBe(Math.round(sum));
    expect(a.reasons.map((r) => r.delta)).toEqual([5, 0.3, 0.3]);
    expect(a.score).toBe(6);
  });

  it("an asset pattern written for the FQDN matches a host known by its short name, through the host's aliases", () => {
    const as = new Assessor(cfg({ assets: [{ pattern: '*.dc.corp.example', criticality: 'critical' }] }));
    const a = { ...alert({ host: 'dc-01' }), host: { name: 'dc-01', aliases: ['dc-01.dc.corp.example', 'id:004'] } };
    expect(as.assess(a, []).reasons).toContainEqual({ factor: 'asset', detail: 'host dc-01 is critical-criticality (matches "*.dc.corp.example")', delta: 20 });
    expect(as.assess(alert({ host: 'dc-01' }), []).reasons.some((r) => r.factor === 'asset')).toBe(false);
  });
});
