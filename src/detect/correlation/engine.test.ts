import { describe, expect, it } from 'vitest';
import { SigmaEngine } from '../sigma/engine.js';
import { CorrelationEngine, type CorrelationMatch } from './engine.js';

const BASE = `title: Failed logon
id: f0000000-0000-4000-8000-000000000001
name: failed_logon
logsource:
    product: test
detection:
    sel:
        Outcome: failure
    condition: sel
---
title: Successful logon
id: f0000000-0000-4000-8000-000000000002
name: successful_logon
logsource:
    product: test
detection:
    sel:
        Outcome: success
    condition: sel
---
title: Recon command
id: f0000000-0000-4000-8000-000000000003
name: recon
logsource:
    product: test
detection:
    sel:
        Cmd: whoami
    condition: sel
`;

function setup(correlation: string, opts = {}) {
  const { engine, correlations, issues } = SigmaEngine.fromYaml(`${BASE}---\n${correlation}`, 'corr.yml', { prepare: false });
  expect(issues).toEqual([]);
  const built = CorrelationEngine.fromDocuments(correlations, engine.rules, opts);
  const feed = (ev: Record<string, unknown>, t: number): CorrelationMatch[] => built.engine.process(engine.match(ev), ev, t);
  return { ...built, feed };
}

const s = 1000;

describe('event_count', () => {
  const rule = `title: Brute force
id: c0000000-0000-4000-8000-000000000001
level: high
correlation:
    type: event_count
    rules: failed_logon
    group-by: [User]
    timespan: 10s
    condition:
        gte: 3
`;
  it('fires when the count in the window reaches the threshold, per group', () => {
    const { feed, issues } = setup(rule);
    expect(issues).toEqual([]);
    expect(feed({ Outcome: 'failure', User: 'bob' }, 0)).toEqual([]);
    expect(feed({ Outcome: 'failure', User: 'eve' }, 1 * s)).toEqual([]);
    expect(feed({ Outcome: 'failure', User: 'bob' }, 2 * s)).toEqual([]);
    const [m] = feed({ Outcome: 'failure', User: 'bob' }, 3 * s);
    expect(m).toMatchObject({ type: 'correlation', group: { User: 'bob' }, value: 3, first: 0, last: 3 * s });
    expect(m!.rule).toMatchObject({ title: 'Brute force', level: 'high', type: 'event_count' });
  });

  it('lets events expire at the window edge and starts afresh after firing', () => {
    const { feed } = setup(rule);
    feed({ Outcome: 'failure', User: 'bob' }, 0);
    feed({ Outcome: 'failure', User: 'bob' }, 5 * s);
    // 0 is more than 10s before 10.001s, so only two remain.
    expect(feed({ Outcome: 'failure', User: 'bob' }, 10 * s + 1)).toEqual([]);
    // Exactly at the edge (t - span) still counts.
    expect(feed({ Outcome: 'failure', User: 'bob' }, 15 * s)).toHaveLength(1);
    expect(feed({ Outcome: 'failure', User: 'bob' }, 16 * s)).toEqual([]);
  });

  it('counts out-of-order events inside the window and drops ones older than it', () => {
    const { feed, engine } = setup(rule);
    feed({ Outcome: 'failure', User: 'bob' }, 20 * s);
    // 5 s is more than 10 s before the latest time (20 s): too late to count.
    expect(feed({ Outcome: 'failure', User: 'bob' }, 5 * s)).toEqual([]);
    expect(engine.lateDropped).toBe(1);
    expect(feed({ Outcome: 'failure', User: 'bob' }, 12 * s)).toEqual([]);
    const [m] = feed({ Outcome: 'failure', User: 'bob' }, 21 * s);
    expect(m).toMatchObject({ value: 3, first: 12 * s, last: 21 * s });
  });

  it('caps groups and counts evictions', () => {
    const { feed, engine } = setup(rule, { maxGroupsPerRule: 2 });
    for (const u of ['a', 'b', 'c']) feed({ Outcome: 'failure', User: u }, 0);
    expect(engine.groupCount).toBe(2);
    expect(engine.evictedGroups).toBe(1);
  });
});

describe('value_count, value_sum, value_avg', () => {
  it('counts distinct values in the window', () => {
    const { feed } = setup(`title: Spray
id: c0000000-0000-4000-8000-000000000002
correlation:
    type: value_count
    rules: [failed_logon]
    group-by: [Source]
    timespan: 1m
    condition:
        field: User
        gt: 2
`);
    feed({ Outcome: 'failure', Source: '10.0.0.1', User: 'a' }, 0);
    feed({ Outcome: 'failure', Source: '10.0.0.1', User: 'a' }, s);
    feed({ Outcome: 'failure', Source: '10.0.0.1', User: 'b' }, 2 * s);
    expect(feed({ Outcome: 'failure', Source: '10.0.0.1', User: 'c' }, 3 * s)[0]).toMatchObject({ value: 3, group: { Source: '10.0.0.1' } });
  });

  it('sums and averages a numeric field', () => {
    const sum = setup(`title: Exfil
id: c0000000-0000-4000-8000-000000000003
correlation:
    type: value_sum
    rules: recon
    group-by: [Host]
    timespan: 1h
    condition:
        field: Bytes
        gte: 100
`);
    expect(sum.feed({ Cmd: 'whoami', Host: 'h', Bytes: 60 }, 0)).toEqual([]);
    expect(sum.feed({ Cmd: 'whoami', Host: 'h', Bytes: '40' }, s)[0]!.value).toBe(100);
    const avg = setup(`title: Big average
id: c0000000-0000-4000-8000-000000000004
correlation:
    type: value_avg
    rules: recon
    group-by: [Host]
    timespan: 1h
    condition:
        field: Bytes
        gt: 50
`);
    expect(avg.feed({ Cmd: 'whoami', Host: 'h', Bytes: 40 }, 0)).toEqual([]);
    expect(avg.feed({ Cmd: 'whoami', Host: 'h', Bytes: 70 }, s)[0]!.value).toBe(55);
  });
});

describe('temporal and temporal_ordered', () => {
  it('temporal needs every rule within the timespan, in any order', () => {
    const { feed } = setup(`title: Logon then recon
id: c0000000-0000-4000-8000-000000000005
correlation:
    type: temporal
    rules: [successful_logon, recon]
    group-by: [Host]
    timespan: 30s
`);
    expect(feed({ Cmd: 'whoami', Host: 'h1' }, 0)).toEqual([]);
    expect(feed({ Outcome: 'success', Host: 'h2' }, s)).toEqual([]);
    expect(feed({ Outcome: 'success', Host: 'h1' }, 31 * s)).toEqual([]);
    expect(feed({ Cmd: 'whoami', Host: 'h1' }, 40 * s)[0]).toMatchObject({ value: 2, first: 31 * s, last: 40 * s });
  });

  it('temporal_ordered also needs the order, and chains on another correlation with aliases', () => {
    const { feed, engine } = setup(`title: Brute force then success
id: c0000000-0000-4000-8000-000000000006
correlation:
    type: temporal_ordered
    rules:
        - many_failures
        - successful_logon
    group-by: [account]
    timespan: 1m
    aliases:
        account:
            many_failures: User
            successful_logon: TargetUser
level: critical
---
title: Many failures
id: c0000000-0000-4000-8000-000000000007
name: many_failures
correlation:
    type: event_count
    rules: failed_logon
    group-by: [User]
    timespan: 1m
    condition:
        gte: 2
`);
    // The inputs of a correlation without generate: true, including the intermediate correlation.
    expect(engine.suppressed()).toEqual(
      new Set(['f0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000007']),
    );
    // Success before the failures does not count.
    expect(feed({ Outcome: 'success', TargetUser: 'bob' }, 0)).toEqual([]);
    expect(feed({ Outcome: 'failure', User: 'bob' }, s)).toEqual([]);
    const chained = feed({ Outcome: 'failure', User: 'bob' }, 2 * s);
    expect(chained.map((c) => c.rule.title)).toEqual(['Many failures']);
    const done = feed({ Outcome: 'success', TargetUser: 'bob' }, 3 * s);
    expect(done.map((c) => [c.rule.title, c.group])).toEqual([['Brute force then success', { account: 'bob' }]]);
  });
});

describe('correlation rule problems', () => {
  it('reports unknown references, types and upper-bound-only ordered chains with file:line', () => {
    const { correlations, engine } = SigmaEngine.fromYaml(
      `${BASE}---\ntitle: Bad ref\ncorrelation:\n    type: event_count\n    rules: nope\n    timespan: 1m\n    condition:\n        gte: 2\n---\ntitle: Bad type\ncorrelation:\n    type: value_median\n    rules: recon\n    timespan: 1m\n---\ntitle: Upper bound in order\ncorrelation:\n    type: temporal_ordered\n    rules: [recon, failed_logon]\n    timespan: 1m\n    condition:\n        lt: 2\n---\ntitle: Bad span\ncorrelation:\n    type: event_count\n    rules: recon\n    timespan: 1 hour\n    condition:\n        gte: 2\n`,
      'bad.yml',
    );
    const { issues } = CorrelationEngine.fromDocuments(correlations, engine.rules);
    expect(issues.map((i) => [i.line, i.kind, i.reason.slice(0, 30)])).toEqual([
      [41, 'unsupported', 'correlation type "value_median'],
      [51, 'unsupported', 'temporal_ordered needs a lower'],
      [57, 'invalid', 'timespan must be a number and '],
      [34, 'invalid', 'unknown rule(s): nope'],
    ]);
  });
});

describe('upper-bound conditions are judged when the window closes', () => {
  const rule = `title: Too few heartbeats
id: c0000000-0000-4000-8000-000000000010
correlation:
    type: event_count
    rules: recon
    group-by: [Host]
    timespan: 10s
    condition:
        lt: 3
`;
  it('fires for a window that ended with fewer events than the bound, not for one that reached it', () => {
    const { feed, engine, issues } = setup(rule);
    expect(issues).toEqual([]);
    expect(feed({ Cmd: 'whoami', Host: 'quiet' }, 0)).toEqual([]);
    for (let i = 0; i < 3; i++) expect(feed({ Cmd: 'whoami', Host: 'busy' }, i * s)).toEqual([]);
    // Nothing is decided while the windows are open.
    expect(engine.advance(9 * s)).toEqual([]);
    const closed = engine.advance(10 * s);
    expect(closed.map((c) => [c.group, c.value, c.first, c.last])).toEqual([[{ Host: 'quiet' }, 1, 0, 10 * s]]);
    expect(engine.groupCount).toBe(0);
  });

  it('an event after the window ends starts the next window and closes the previous one', () => {
    const { feed } = setup(rule);
    expect(feed({ Cmd: 'whoami', Host: 'h' }, 0)).toEqual([]);
    const next = feed({ Cmd: 'whoami', Host: 'h' }, 12 * s);
    expect(next.map((c) => [c.value, c.first])).toEqual([[1, 0]]);
  });

  it('waits for late events when lateness is configured', () => {
    const { feed, engine } = setup(rule, { latenessMs: 5 * s });
    feed({ Cmd: 'whoami', Host: 'h' }, 0);
    expect(engine.advance(12 * s)).toEqual([]);
    feed({ Cmd: 'whoami', Host: 'h' }, 9 * s);
    feed({ Cmd: 'whoami', Host: 'h' }, 8 * s);
    // Three events by the close: the bound is not met, so nothing fires.
    expect(engine.advance(16 * s)).toEqual([]);
  });
});

describe('value_percentile', () => {
  it('fires when the value is rarer in its group than the bound, keeping the baseline', () => {
    const { feed, issues } = setup(`title: Rare process on a host
id: c0000000-0000-4000-8000-000000000011
correlation:
    type: value_percentile
    rules: recon
    group-by: [Host]
    timespan: 1h
    condition:
        field: Image
        lte: 7
`);
    expect(issues).toEqual([]);
    for (let i = 0; i < 30; i++) expect(feed({ Cmd: 'whoami', Host: 'h', Image: 'svchost.exe' }, i * s)).toEqual([]);
    const rare = feed({ Cmd: 'whoami', Host: 'h', Image: 'mimikatz.exe' }, 31 * s);
    expect(rare).toHaveLength(1);
    expect(rare[0]!.value).toBeCloseTo((1 / 31) * 100, 5);
    // Another host has no baseline yet: its first value is 100% of what it saw.
    expect(feed({ Cmd: 'whoami', Host: 'other', Image: 'mimikatz.exe' }, 32 * s)).toEqual([]);
    // The same value again is still rare (2 of 32), and the state was not reset by firing.
    expect(feed({ Cmd: 'whoami', Host: 'h', Image: 'mimikatz.exe' }, 33 * s)[0]!.value).toBeCloseTo((2 / 32) * 100, 5);
  });
});

describe('snapshot and restore', () => {
  it('a restarted engine resumes open windows', () => {
    const rule = `title: Brute force
id: c0000000-0000-4000-8000-000000000012
correlation:
    type: event_count
    rules: failed_logon
    group-by: [User]
    timespan: 10s
    condition:
        gte: 3
`;
    const a = setup(rule);
    a.feed({ Outcome: 'failure', User: 'bob' }, 0);
    a.feed({ Outcome: 'failure', User: 'bob' }, s);
    const saved = JSON.parse(JSON.stringify(a.engine.snapshot()));
    const b = setup(rule);
    expect(b.engine.restore(saved)).toBe(1);
    expect(b.feed({ Outcome: 'failure', User: 'bob' }, 2 * s).map((c) => c.value)).toEqual([3]);
    // A fresh engine without the snapshot would not have fired.
    expect(setup(rule).feed({ Outcome: 'failure', User: 'bob' }, 2 * s)).toEqual([]);
  });
});
