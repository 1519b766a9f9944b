import { describe, expect, it } from 'vitest';
import { SigmaEngine } from './engine.js';
import type { SigmaEngineOptions } from './engine.js';

// Builds a one-rule engine from a detection block (YAML, indented by 4) and returns a matcher.
function rule(detection: string, opts: SigmaEngineOptions = {}): (event: Record<string, unknown>) => boolean {
  const yaml = `title: test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: test\ndetection:\n${detection}\nlevel: high\n`;
  const { engine, issues } = SigmaEngine.fromYaml(yaml, 'test.yml', { prepare: false, ...opts });
  if (issues.length) throw new Error(issues.map((i) => `${i.line}: ${i.reason}`).join('\n'));
  return (event) => {
    const indexed = engine.match(event).length > 0;
    const naive = engine.matchNaive(event).length > 0;
    // Every test doubles as a check that the index never hides a match.
    expect(indexed).toBe(naive);
    return indexed;
  };
}

function issuesOf(detection: string, opts: SigmaEngineOptions = {}) {
  const yaml = `title: test rule\nlogsource:\n    product: test\ndetection:\n${detection}\n`;
  return SigmaEngine.fromYaml(yaml, 'bad.yml', opts).issues;
}

describe('plain values', () => {
  it('matches strings case-insensitively with wildcards', () => {
    // In YAML: C:\Windows\\*\whoami.exe — the doubled backslash keeps the star a wildcard.
    const m = rule(`    sel:\n        Image: 'C:\\Windows\\\\*\\whoami.exe'\n    condition: sel`);
    expect(m({ Image: 'c:\\windows\\system32\\WHOAMI.EXE' })).toBe(true);
    expect(m({ Image: 'c:\\windows\\whoami.exe.bak' })).toBe(false);
    expect(m({})).toBe(false);
    const literalStar = rule(`    sel:\n        Name: 'a\\*b'\n    condition: sel`);
    expect(literalStar({ Name: 'a*b' })).toBe(true);
    expect(literalStar({ Name: 'aXb' })).toBe(false);
  });

  it('treats lists as OR and maps as AND', () => {
    const m = rule(`    sel:\n        EventID:\n            - 517\n            - 1102\n        EventLog: Security\n    condition: sel`);
    expect(m({ EventID: 1102, EventLog: 'security' })).toBe(true);
    expect(m({ EventID: '517', EventLog: 'Security' })).toBe(true);
    expect(m({ EventID: 1102, EventLog: 'System' })).toBe(false);
    expect(m({ EventID: 4624, EventLog: 'Security' })).toBe(false);
  });

  it('treats a list of maps as OR of ANDs', () => {
    const m = rule(`    sel:\n        - Image|endswith: '\\example.exe'\n        - Description|contains: 'Test executable'\n    condition: sel`);
    expect(m({ Image: 'C:\\x\\example.exe' })).toBe(true);
    expect(m({ Description: 'a test EXECUTABLE here' })).toBe(true);
    expect(m({ Image: 'C:\\x\\other.exe' })).toBe(false);
  });

  it('compares numbers, booleans, empty strings and null', () => {
    const m = rule(`    a:\n        Count: 3\n    b:\n        Flag: true\n    c:\n        Name: ''\n    condition: a and b and c`);
    expect(m({ Count: 3, Flag: true, Name: '' })).toBe(true);
    expect(m({ Count: '3', Flag: 'TRUE', Name: '' })).toBe(true);
    expect(m({ Count: 3, Flag: false, Name: '' })).toBe(false);
    expect(m({ Count: 3, Flag: true })).toBe(false);
    const n = rule(`    sel:\n        A: x\n    filter:\n        PasswordLastSet: null\n    condition: sel and not filter`);
    expect(n({ A: 'x', PasswordLastSet: null })).toBe(false);
    expect(n({ A: 'x' })).toBe(false);
    expect(n({ A: 'x', PasswordLastSet: '2024-01-01' })).toBe(true);
  });

  it('reads nested fields by dotted name, flat dotted keys first, and any element of arrays', () => {
    const m = rule(`    sel:\n        process.name: 'evil.exe'\n        tags: 'b'\n    condition: sel`);
    expect(m({ process: { name: 'EVIL.exe' }, tags: ['a', 'b'] })).toBe(true);
    expect(m({ 'process.name': 'evil.exe', tags: 'b' })).toBe(true);
    expect(m({ process: { name: 'good.exe' }, tags: ['b'] })).toBe(false);
  });

  it('searches keywords across every value', () => {
    const m = rule(`    keywords:\n        - 'event::clear'\n        - 'event::drop'\n    condition: keywords`);
    expect(m({ msg: 'mimikatz # EVENT::Clear', other: 1 })).toBe(true);
    expect(m({ nested: { deep: ['x', 'run event::drop now'] } })).toBe(true);
    expect(m({ msg: 'event:: clear' })).toBe(false);
    const all = rule(`    kw:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: kw`);
    expect(all({ a: 'Set-OabVirtualDirectory -ExternalUrl http://x' })).toBe(true);
    expect(all({ a: 'Set-OabVirtualDirectory', b: 'x -ExternalUrl y' })).toBe(true);
    expect(all({ a: 'Set-OabVirtualDirectory' })).toBe(false);
  });
});

describe('modifiers', () => {
  it('contains, startswith, endswith and all', () => {
    const m = rule(`    sel:\n        CommandLine|contains|all:\n            - ' -enc '\n            - 'hidden'\n        Image|startswith: 'C:\\Windows\\'\n        ParentImage|endswith: '\\winword.exe'\n    condition: sel`);
    const ev = { CommandLine: 'powershell -w HIDDEN -enc AAAA', Image: 'c:\\windows\\system32\\p.exe', ParentImage: 'C:\\Office\\WINWORD.EXE' };
    expect(m(ev)).toBe(true);
    expect(m({ ...ev, CommandLine: 'powershell -enc AAAA' })).toBe(false);
    expect(m({ ...ev, Image: 'D:\\windows\\p.exe' })).toBe(false);
  });

  it('cased makes matching case-sensitive', () => {
    const m = rule(`    sel:\n        Name|cased: 'EvilCorp'\n    condition: sel`);
    expect(m({ Name: 'EvilCorp' })).toBe(true);
    expect(m({ Name: 'evilcorp' })).toBe(false);
  });

  it('exists checks presence only', () => {
    const yes = rule(`    sel:\n        Token|exists: true\n    condition: sel`);
    expect(yes({ Token: null })).toBe(true);
    expect(yes({ Token: '' })).toBe(true);
    expect(yes({})).toBe(false);
    const no = rule(`    sel:\n        Token|exists: false\n    condition: sel`);
    expect(no({})).toBe(true);
    expect(no({ Token: 'x' })).toBe(false);
  });

  it('re with i, m and s sub-modifiers', () => {
    const m = rule(`    sel:\n        CommandLine|re: 'ipconfig\\s+/all'\n    condition: sel`);
    expect(m({ CommandLine: 'ipconfig   /all' })).toBe(true);
    expect(m({ CommandLine: 'IPCONFIG /all' })).toBe(false);
    const i = rule(`    sel:\n        CommandLine|re|i: 'ipconfig\\s+/all'\n    condition: sel`);
    expect(i({ CommandLine: 'IPCONFIG /ALL' })).toBe(true);
    const ms = rule(`    sel:\n        Text|re|m|s: '^second.line$'\n    condition: sel`);
    expect(ms({ Text: 'first\nsecond\nline\nx' })).toBe(true);
  });

  it('base64 and base64offset match encoded text, case-sensitively', () => {
    const b = rule(`    sel:\n        Data|base64: 'http://'\n    condition: sel`);
    expect(b({ Data: 'aHR0cDovLw==' })).toBe(true);
    expect(b({ Data: 'AHR0CDOVLW==' })).toBe(false);
    const o = rule(`    sel:\n        CommandLine|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel`);
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const enc = Buffer.from(`${prefix}Invoke-Mimikatz -Dump`).toString('base64');
      expect(o({ CommandLine: `powershell -e ${enc}` })).toBe(true);
    }
    expect(o({ CommandLine: Buffer.from('Invoke-Something').toString('base64') })).toBe(false);
  });

  it('utf16le / utf16be / utf16 / wide encode before base64', () => {
    const payload = 'whoami';
    const le = Buffer.from(payload, 'utf16le');
    const be = Buffer.from(le).swap16();
    const wide = rule(`    sel:\n        CommandLine|wide|base64offset|contains: '${payload}'\n    condition: sel`);
    expect(wide({ CommandLine: `-enc ${Buffer.concat([Buffer.from('I', 'utf16le'), le]).toString('base64')}` })).toBe(true);
    const u16le = rule(`    sel:\n        D|utf16le|base64: '${payload}'\n    condition: sel`);
    expect(u16le({ D: le.toString('base64') })).toBe(true);
    const u16be = rule(`    sel:\n        D|utf16be|base64: '${payload}'\n    condition: sel`);
    expect(u16be({ D: be.toString('base64') })).toBe(true);
    const u16 = rule(`    sel:\n        D|utf16|base64: '${payload}'\n    condition: sel`);
    expect(u16({ D: Buffer.concat([Buffer.from([0xff, 0xfe]), le]).toString('base64') })).toBe(true);
    expect(u16({ D: le.toString('base64') })).toBe(false);
  });

  it('windash accepts every dash form for - and /', () => {
    const m = rule(`    sel:\n        CommandLine|windash|contains: ' -exec bypass'\n    condition: sel`);
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(m({ CommandLine: `powershell ${d}exec bypass` })).toBe(true);
    expect(m({ CommandLine: 'powershell +exec bypass' })).toBe(false);
  });

  it('cidr matches IPv4 and IPv6 ranges', () => {
    const m = rule(`    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fd00::/8'\n    condition: sel`);
    expect(m({ DestinationIp: '10.1.2.3' })).toBe(true);
    expect(m({ DestinationIp: '::ffff:10.1.2.3' })).toBe(true);
    expect(m({ DestinationIp: 'fd12::1' })).toBe(true);
    expect(m({ DestinationIp: '11.0.0.1' })).toBe(false);
    expect(m({ DestinationIp: 'not an ip' })).toBe(false);
  });

  it('gt, gte, lt, lte compare numbers', () => {
    const m = rule(`    sel:\n        Size|gt: 100\n        Size|lte: 200\n    condition: sel`);
    expect(m({ Size: 101 })).toBe(true);
    expect(m({ Size: '200' })).toBe(true);
    expect(m({ Size: 100 })).toBe(false);
    expect(m({ Size: 'big' })).toBe(false);
    const l = rule(`    sel:\n        Size|lt: 5\n    s2:\n        Size|gte: 1\n    condition: sel and s2`);
    expect(l({ Size: 1 })).toBe(true);
    expect(l({ Size: 5 })).toBe(false);
  });

  it('fieldref compares two fields, alone or with neq', () => {
    const m = rule(`    sel:\n        User|fieldref: ParentUser\n    condition: sel`);
    expect(m({ User: 'CORP\\Bob', ParentUser: 'corp\\bob' })).toBe(true);
    expect(m({ User: 'a', ParentUser: 'b' })).toBe(false);
    expect(m({ User: 'a' })).toBe(false);
    const n = rule(`    sel:\n        User|fieldref|neq: ParentUser\n    condition: sel`);
    expect(n({ User: 'a', ParentUser: 'b' })).toBe(true);
    const c = rule(`    sel:\n        CommandLine|fieldref|contains: Image\n    condition: sel`);
    expect(c({ CommandLine: '"C:\\x\\a.exe" -y', Image: 'c:\\x\\a.exe' })).toBe(true);
  });

  it('neq excludes values', () => {
    const m = rule(`    sel:\n        Status|neq:\n            - ok\n            - fine\n    condition: sel`);
    expect(m({ Status: 'bad' })).toBe(true);
    expect(m({ Status: 'OK' })).toBe(false);
    expect(m({})).toBe(false);
  });

  it('time part modifiers read dates', () => {
    const m = rule(`    sel:\n        UtcTime|hour|gte: 22\n    condition: sel`);
    expect(m({ UtcTime: '2024-05-01 23:10:00.000' })).toBe(true);
    expect(m({ UtcTime: '2024-05-01T08:10:00Z' })).toBe(false);
    const w = rule(`    sel:\n        T|week: 1\n    condition: sel`);
    expect(w({ T: '2024-01-03T00:00:00Z' })).toBe(true);
  });

  it('expand resolves placeholders from config and reports unresolved ones', () => {
    const det = `    sel:\n        Computer|expand: '%DomainControllers%'\n    condition: sel`;
    const m = rule(det, { placeholders: { DomainControllers: ['dc0?', 'adsrv*'] } });
    expect(m({ Computer: 'DC01' })).toBe(true);
    expect(m({ Computer: 'adsrv-east' })).toBe(true);
    expect(m({ Computer: 'ws01' })).toBe(false);
    const issues = issuesOf(det);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'unsupported', line: 6, field: 'detection.sel.Computer|expand' });
    expect(issues[0]!.reason).toMatch(/%DomainControllers%/);
    const esc = rule(`    sel:\n        P|expand: '\\%plain%name%'\n    condition: sel`, { placeholders: { name: 'X' } });
    expect(esc({ P: '%plainX' })).toBe(true);
  });
});

describe('conditions', () => {
  const det = `    selection_a:\n        A: 1\n    selection_b:\n        B: 1\n    filter_x:\n        X: 1\n    _helper:\n        H: 1\n`;
  it('1 of / all of patterns and them', () => {
    const one = rule(`${det}    condition: 1 of selection_* and not 1 of filter_*`);
    expect(one({ A: 1 })).toBe(true);
    expect(one({ B: 1, X: 1 })).toBe(false);
    const all = rule(`${det}    condition: all of selection_*`);
    expect(all({ A: 1 })).toBe(false);
    expect(all({ A: 1, B: 1 })).toBe(true);
    const them = rule(`${det}    condition: all of them`);
    expect(them({ A: 1, B: 1, X: 1 })).toBe(true);
    const anyThem = rule(`${det}    condition: 1 of them`);
    expect(anyThem({ H: 1 })).toBe(false);
    expect(anyThem({ X: 1 })).toBe(true);
  });

  it('parentheses and a list of conditions (OR)', () => {
    const m = rule(`${det}    condition: selection_a and (selection_b or filter_x)`);
    expect(m({ A: 1, X: 1 })).toBe(true);
    expect(m({ A: 1 })).toBe(false);
    const list = rule(`${det}    condition:\n        - selection_a and selection_b\n        - filter_x`);
    expect(list({ X: 1 })).toBe(true);
    expect(list({ A: 1 })).toBe(false);
  });
});

describe('rule problems are collected with file:line', () => {
  it('reports an undefined identifier, a bad modifier and bad syntax', () => {
    expect(issuesOf(`    sel:\n        A: 1\n    condition: sel and missing`)[0]).toMatchObject({ kind: 'invalid', line: 7, field: 'detection.condition' });
    expect(issuesOf(`    sel:\n        A|sparkle: 1\n    condition: sel`)[0]).toMatchObject({ kind: 'unsupported', line: 6 });
    expect(issuesOf(`    sel:\n        A: 1\n    condition: sel and (`)[0]!.reason).toMatch(/at end of condition/);
    expect(issuesOf(`    sel:\n        A|re: '(?=a)b'\n    condition: sel`)[0]).toMatchObject({ kind: 'unsupported', line: 6 });
    expect(issuesOf(`    sel:\n        A: 1\n    condition: sel | count() > 3`)[0]!.kind).toBe('unsupported');
  });
});

describe('the index', () => {
  const yaml = ['whoami', 'certutil', 'vssadmin']
    .map(
      (n, i) =>
        `title: ${n}\nid: 00000000-0000-4000-8000-00000000000${i}\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\${n}.exe'\n    filter:\n        User|contains: 'svc_'\n    condition: sel and not filter\n`,
    )
    .concat(`title: no needle\nid: 00000000-0000-4000-8000-000000000009\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|re: '\\d{4}'\n    condition: sel\n`)
    .join('---\n');

  it('evaluates only rules whose literal occurs, plus rules without one', () => {
    const { engine } = SigmaEngine.fromYaml(yaml, 'idx.yml', { prepare: false });
    const ls = { product: 'windows' };
    expect(engine.indexSummary(ls)).toMatchObject({ rules: 4, alwaysEvaluated: 1, indexedFields: ['Image'] });
    expect(engine.match({ Image: 'C:\\Windows\\System32\\CERTUTIL.EXE', User: 'bob' }, ls).map((m) => m.title)).toEqual(['certutil']);
    expect(engine.stats).toMatchObject({ events: 1, evaluated: 2, matches: 1 });
    expect(engine.match({ Image: 'C:\\x\\notepad.exe' }, ls)).toEqual([]);
    expect(engine.stats.evaluated).toBe(3);
  });
});

describe('the per-event evaluation budget', () => {
  const rules = Array.from({ length: 6 }, (_, i) => `title: r${i}\nid: 00000000-0000-4000-8000-00000000010${i}\nlogsource:\n    product: windows\ndetection:\n    sel:\n        CommandLine|re: '(\\w+\\s?){1,40}\\d{${i + 1}}$'\n    condition: sel\n`).join('---\n');

  it('stops evaluating an event that ran out of time, names the rules it skipped, and goes on with the next event', () => {
    const { engine, issues } = SigmaEngine.fromYaml(rules, 'slow.yml', { prepare: false, budgetMs: 0 });
    expect(issues).toEqual([]);
    const ls = { product: 'windows' };
    expect(engine.match({ CommandLine: 'word '.repeat(50) }, ls)).toEqual([]);
    expect(engine.lastOverBudget).toEqual({ budgetMs: 0, evaluated: 4, skipped: ['00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-000000000105'] });
    expect(engine.stats.overBudget).toBe(1);
    // The clock is read every fourth rule, so the first four always run and an early match still fires.
    expect(engine.match({ CommandLine: 'run 1' }, ls).map((m) => m.title)).toEqual(['r0']);
  });

  it('leaves events alone when the budget is not reached', () => {
    const { engine } = SigmaEngine.fromYaml(rules, 'slow.yml', { prepare: false });
    expect(engine.match({ CommandLine: 'run 123456' }, { product: 'windows' }).map((m) => m.title)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(engine.lastOverBudget).toBeUndefined();
    expect(engine.stats.overBudget).toBe(0);
  });
});
