import { describe, expect, it } from 'vitest';
import type { AlertRow } from '../../cases/service.js';
import type { Alert } from '../../core/types.js';
import { observableId } from '../../store/repo.js';
import { alertInput } from './map.js';

const data: Partial<Alert> = {
  description: 'C2 check-in',
  rule: { id: '2049320', level: 1, scale: 'suricata', groups: [], mitre: { ids: [], tactics: [], techniques: [] } },
  observables: [
    { type: 'ipv4', value: '77.105.161.37', role: 'dst', scope: 'public' },
    { type: 'ipv4', value: '10.0.4.42', role: 'src', scope: 'private' },
  ],
};
const row = {
  id: 'al_1', source: 'suricata', sourceRef: 'x', type: 'vigil', title: 'Pikabot', time: '2026-11-18T09:22:31.077Z', severity: 'CRITICAL', ruleId: '2049320', ruleLevel: 1, host: 'suricata',
  data, extra: {}, tags: [], tlp: 2, pap: 2,
} as unknown as AlertRow;

describe('alertInput', () => {
  it('pushes the observables intel found malicious with ioc: true, the others without', () => {
    const bad = new Set([observableId({ type: 'ipv4', value: '77.105.161.37' })]);
    const obs = alertInput(row, undefined, 'vigil', bad).observables ?? [];
    expect(obs.map((o) => [o.data, o.ioc ?? false])).toEqual([['77.105.161.37', true], ['10.0.4.42', false]]);
  });
});
