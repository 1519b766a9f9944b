import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectCommand } from './detect.js';

const RULES = `title: Whoami Execution
id: 7b0b4a3e-2f1c-4d7e-9a51-1f0c2b3d4e5f
name: whoami
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
level: high
tags: [attack.discovery, attack.t1033]
---
title: Recon burst
id: 9c1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f
level: critical
generate: true
correlation:
    type: event_count
    rules: whoami
    group-by: [Computer]
    timespan: 1m
    condition:
        gte: 2
---
title: Broken
logsource:
    product: windows
detection:
    sel:
        A|sparkle: 1
    condition: sel
`;

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function fixture(): { dir: string; events: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-cli-'));
  writeFileSync(join(dir, 'rules.yml'), RULES);
  const ev = (t: string) =>
    JSON.stringify({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Computer: 'ws1', Image: 'C:\\Windows\\System32\\whoami.exe', UtcTime: t });
  const events = join(dir, 'events.jsonl');
  writeFileSync(events, `${ev('2025-01-01 10:00:00.000')}\n${ev('2025-01-01 10:00:30.000')}\n{"EventID":1}\n`);
  return { dir, events };
}

describe('vigil detect', () => {
  it('lint lists unsupported rules with file:line and exits 2', async () => {
    const { dir } = fixture();
    await detectCommand().parseAsync(['lint', dir], { from: 'user' });
    expect(out.join('')).toContain(`${join(dir, 'rules.yml')}:31: unsupported: detection.sel.A|sparkle: unknown modifier "sparkle"`);
    expect(out.join('')).toContain('1 rules loaded, 0 invalid, 1 unsupported, 1 correlation rules');
    expect(process.exitCode).toBe(2);
  });

  it('run --json prints one line per detection and correlation', async () => {
    const { dir, events } = fixture();
    await detectCommand().parseAsync(['run', '--rules', dir, '--json', events], { from: 'user' });
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => [l['type'], l['rule'].title, l['timestamp']])).toEqual([
      ['detection', 'Whoami Execution', '2025-01-01T10:00:00.000Z'],
      ['detection', 'Whoami Execution', '2025-01-01T10:00:30.000Z'],
      ['correlation', 'Recon burst', '2025-01-01T10:00:30.000Z'],
    ]);
    expect(lines[0]!['rule']).toEqual({ id: '7b0b4a3e-2f1c-4d7e-9a51-1f0c2b3d4e5f', title: 'Whoami Execution', level: 'high', tags: ['attack.discovery', 'attack.t1033'] });
    expect(lines[2]!['event']).toMatchObject({ group: { Computer: 'ws1' }, value: 2 });
    expect(err.join('')).toContain('3 events, 1 rules loaded (0 invalid, 1 unsupported), 1 correlation rules, 3 matches');
  });
});
