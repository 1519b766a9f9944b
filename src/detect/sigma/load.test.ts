import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.js';
import { SigmaEngine } from './engine.js';
import { formatSigmaIssue } from './io.js';

const GOOD = `title: Whoami Execution
id: 7b0b4a3e-2f1c-4d7e-9a51-1f0c2b3d4e5f
status: test
description: whoami run by anyone
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
fields:
    - CommandLine
falsepositives: Admin scripts
level: high
tags:
    - attack.discovery
    - attack.t1033
    - attack.t1059.001
    - attack.g0016
    - cve.2021-44228
`;

describe('loading rules', () => {
  it('reads metadata, tags into MITRE ids and tactics', () => {
    const { engine, issues } = SigmaEngine.fromYaml(GOOD, 'good.yml');
    expect(issues).toEqual([]);
    const [r] = engine.rules;
    expect(r).toMatchObject({
      id: '7b0b4a3e-2f1c-4d7e-9a51-1f0c2b3d4e5f',
      title: 'Whoami Execution',
      level: 'high',
      status: 'test',
      logsource: { category: 'process_creation', product: 'windows' },
      falsepositives: ['Admin scripts'],
      fields: ['CommandLine'],
      file: 'good.yml',
      line: 1,
      mitre: { ids: ['T1033', 'T1059.001'], tactics: ['Discovery'], techniques: [] },
    });
  });

  it('collects every bad rule with file:line and still runs the good ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'good.yml'), GOOD);
    writeFileSync(
      join(dir, 'sub', 'bad_level.yml'),
      `title: Bad level\nlogsource:\n    product: windows\ndetection:\n    sel:\n        A: 1\n    condition: sel\nlevel: severe\n`,
    );
    writeFileSync(join(dir, 'no_detection.yaml'), `title: Missing detection\nlogsource:\n    product: windows\n`);
    writeFileSync(join(dir, 'broken.yml'), `title: Broken\nlogsource: [\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a rule');
    const { engine, issues } = SigmaEngine.fromFiles(dir);
    expect(engine.rules.map((r) => r.title)).toEqual(['Whoami Execution']);
    const lines = issues.map(formatSigmaIssue);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'sub', 'bad_level.yml')}:8: level:`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'no_detection.yaml')}:1: detection:`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'broken.yml')}:`) && l.includes('YAML'))).toBe(true);
    expect(issues.every((i) => i.kind === 'invalid')).toBe(true);
    const hits = engine.match({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'C:\\Windows\\System32\\whoami.exe' });
    expect(hits.map((h) => h.title)).toEqual(['Whoami Execution']);
  });

  it('throws VigilError for a path that does not exist', () => {
    expect(() => SigmaEngine.fromFiles('/nonexistent/rules')).toThrow(VigilError);
  });

  it('applies action: global, reset and repeat collections', () => {
    const yaml = `action: global
title: Suspicious tool
logsource:
    product: windows
level: medium
detection:
    condition: selection
---
id: 11111111-1111-4111-8111-111111111111
logsource:
    category: process_creation
detection:
    selection:
        Image|endswith: '\\tool.exe'
---
action: repeat
id: 22222222-2222-4222-8222-222222222222
level: high
detection:
    selection:
        Image|endswith: '\\tool2.exe'
---
action: reset
---
title: Standalone
id: 33333333-3333-4333-8333-333333333333
logsource:
    product: linux
detection:
    sel:
        comm: 'nc'
    condition: sel
`;
    const { engine, issues } = SigmaEngine.fromYaml(yaml, 'collection.yml');
    expect(issues).toEqual([]);
    expect(engine.rules.map((r) => [r.id, r.title, r.level, r.logsource, r.line])).toEqual([
      ['11111111-1111-4111-8111-111111111111', 'Suspicious tool', 'medium', { product: 'windows', category: 'process_creation' }, 9],
      ['22222222-2222-4222-8222-222222222222', 'Suspicious tool', 'high', { product: 'windows', category: 'process_creation' }, 16],
      ['33333333-3333-4333-8333-333333333333', 'Standalone', 'medium', { product: 'linux' }, 25],
    ]);
    const ls = { product: 'windows', category: 'process_creation' };
    expect(engine.match({ Image: 'C:\\x\\tool2.exe' }, ls).map((m) => m.id)).toEqual(['22222222-2222-4222-8222-222222222222']);
    // Repeat merges maps: both selections exist only in their own rule.
    expect(engine.match({ Image: 'C:\\x\\tool.exe' }, ls).map((m) => m.id)).toEqual(['11111111-1111-4111-8111-111111111111']);
  });

  it('reports duplicate ids and leaves correlation documents to the correlation engine', () => {
    const yaml = `${GOOD}---\n${GOOD}---\ntitle: Many whoami\ncorrelation:\n    type: event_count\n    rules: [7b0b4a3e-2f1c-4d7e-9a51-1f0c2b3d4e5f]\n    group-by: [Computer]\n    timespan: 5m\n    condition:\n        gte: 3\n`;
    const { engine, issues, correlations } = SigmaEngine.fromYaml(yaml, 'multi.yml');
    expect(engine.rules).toHaveLength(1);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'id', line: 23 });
    expect(correlations).toHaveLength(1);
  });
});

describe('logsource scoping', () => {
  const yaml = `title: Proc\nid: a\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\x.exe'\n    condition: sel\n---\ntitle: File\nid: b\nlogsource:\n    category: file_event\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\x.exe'\n    condition: sel\n---\ntitle: Sysmon any\nid: c\nlogsource:\n    service: sysmon\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\x.exe'\n    condition: sel\n`;
  const { engine } = SigmaEngine.fromYaml(yaml);
  const ids = (ev: Record<string, unknown>, ls?: Parameters<typeof engine.match>[1]): string[] => engine.match(ev, ls).map((m) => m.id);

  it('infers the logsource of Sysmon events and runs only rules for it', () => {
    expect(ids({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'C:\\x.exe' })).toEqual(['a', 'c']);
    expect(ids({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 11, Image: 'C:\\x.exe' })).toEqual(['b', 'c']);
  });

  it('understands Windows event exports and Wazuh data.win', () => {
    const exported = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' },
        EventData: { Image: 'C:\\x.exe' },
      },
    };
    expect(ids(exported)).toEqual(['a', 'c']);
    const wazuh = { rule: { id: '92000' }, data: { win: { system: { eventID: '1', channel: 'Microsoft-Windows-Sysmon/Operational' }, eventdata: { image: 'C:\\x.exe' } } } };
    expect(ids(wazuh)).toEqual(['a', 'c']);
  });

  it('uses an explicit logsource, and every rule when none is known', () => {
    expect(ids({ Image: 'C:\\x.exe' }, { product: 'windows', category: 'file_event' })).toEqual(['b']);
    expect(ids({ Image: 'C:\\x.exe' })).toEqual(['a', 'b', 'c']);
  });
});

describe('hostile rule files cost only themselves', () => {
  const rule = (detection: string, title = 'hostile') => `title: ${title}\nlogsource:\n    product: windows\ndetection:\n${detection}`;
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

  it('reports an alias bomb, a 20,000-deep condition, deep YAML and an oversized file with file:line, and loads the rest of the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bombs-'));
    writeFileSync(join(dir, 'a-alias.yml'), `${bomb}\n${rule('    sel:\n        A: *i\n    condition: sel\n')}`);
    writeFileSync(join(dir, 'b-deep-condition.yml'), rule(`    sel:\n        A: 1\n    condition: ${'('.repeat(20_000)}sel${')'.repeat(20_000)}\n`));
    writeFileSync(join(dir, 'c-nested-not.yml'), rule(`    sel:\n        A: 1\n    condition: ${'not ('.repeat(100)}sel${')'.repeat(100)}\n`));
    writeFileSync(join(dir, 'd-deep-yaml.yml'), rule(`    sel:\n        A: ${'['.repeat(20_000)}1${']'.repeat(20_000)}\n    condition: sel\n`));
    writeFileSync(join(dir, 'e-huge.yml'), `# ${'x'.repeat(9 * 1024 * 1024)}\n${GOOD}`);
    writeFileSync(join(dir, 'f-good.yml'), GOOD);
    const { engine, issues } = SigmaEngine.fromFiles(dir);
    expect(engine.rules.map((r) => r.title)).toEqual(['Whoami Execution']);
    const shown = issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line} ${i.reason}`);
    expect(shown).toEqual([
      expect.stringMatching(/^a-alias\.yml:1 YAML: Excessive alias count .*at most 100 aliases/),
      'b-deep-condition.yml:7 the condition is 40003 characters long (limit 16384)',
      expect.stringMatching(/^c-nested-not\.yml:7 nested more than 64 levels deep/),
      expect.stringMatching(/^d-deep-yaml\.yml:\d+ /),
      expect.stringMatching(/^e-huge\.yml:1 the file is \d+ bytes \(limit 8388608\); split it$/),
    ]);
  });

  it('compiles a contains list of 100,000 values in linear time and matches the last one', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `            - 'tool${i}-${(i * 7919) % 100_003}'`).join('\n');
    const time = (n: number) => {
      const t = performance.now();
      const { engine, issues } = SigmaEngine.fromYaml(rule(`    sel:\n        CommandLine|contains:\n${values(n)}\n    condition: sel\n`, `list ${n}`), 'list.yml', { prepare: false });
      const ms = performance.now() - t;
      expect(issues).toEqual([]);
      expect(engine.match({ CommandLine: `run tool${n - 1}-${((n - 1) * 7919) % 100_003} now` }, { product: 'windows' }).map((m) => m.title)).toEqual([`list ${n}`]);
      return ms;
    };
    const small = time(10_000);
    const big = time(100_000);
    // Quadratic compilation took 30 s for 40,000 values and did not finish 100,000 in 120 s.
    expect(big).toBeLessThan(30_000);
    expect(big / small).toBeLessThan(40);
  }, 90_000);
});
