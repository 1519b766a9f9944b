import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.js';
import { formatIssue } from '../core/errors.js';
import { loadPlaybooks, loadPlaybookText } from './loader.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-playbooks-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const GOOD = `description: Block bad IPs
trigger:
  severity: HIGH
steps:
  - id: block
    uses: block-ip
    for_each: observables
    where:
      type: [ipv4]
      verdict: [malicious]
    with:
      address: "{{ item.value }}"
`;

function issuesOf(text: string, file = 'pb.yaml'): string[] {
  const r = loadPlaybookText(file, text);
  expect(r.playbook).toBeUndefined();
  return r.issues.map(formatIssue);
}

describe('loadPlaybookText', () => {
  it('loads a good playbook with defaults filled in', () => {
    const r = loadPlaybookText('/pb/block-bad.yaml', GOOD);
    expect(r.issues).toEqual([]);
    expect(r.playbook).toMatchObject({
      name: 'block-bad',
      file: '/pb/block-bad.yaml',
      description: 'Block bad IPs',
      enabled: true,
      trigger: { on: ['case.created', 'case.updated'], severity: 'HIGH' },
      steps: [{ id: 'block', uses: 'block-ip', for_each: 'observables', where: { type: ['ipv4'], verdict: ['malicious'] }, with: { address: '{{ item.value }}' } }],
    });
  });

  it('names steps without an id after their action and position', () => {
    const r = loadPlaybookText('p.yaml', 'name: t\ntrigger: {}\nsteps:\n  - uses: create-task\n    with: {title: a}\n  - uses: create-task\n    with: {title: b}\n');
    expect(r.playbook!.name).toBe('t');
    expect(r.playbook!.steps.map((s) => s.id)).toEqual(['create-task-1', 'create-task-2']);
  });

  it('an unknown action names the file, line and field', () => {
    const text = GOOD.replace('uses: block-ip', 'uses: nuke-host');
    expect(issuesOf(text)).toEqual([expect.stringMatching(/^pb\.yaml:6: steps\.0\.uses: unknown action "nuke-host" \(known: block-ip, block-sender, block-url, isolate-host, create-task, /)]);
  });

  it('a bad severity names its line', () => {
    const text = GOOD.replace('severity: HIGH', 'severity: URGENT');
    const [issue, ...rest] = issuesOf(text);
    expect(rest).toEqual([]);
    expect(issue).toMatch(/^pb\.yaml:3: trigger\.severity: /);
    expect(issue).toContain('CRITICAL');
  });

  it('a duplicate step id names the second one', () => {
    const text = `${GOOD}  - id: block\n    uses: create-task\n    with:\n      title: again\n`;
    expect(issuesOf(text)).toEqual(['pb.yaml:13: steps.1.id: duplicate step id "block"']);
  });

  it('"where" without "for_each: observables" is refused', () => {
    const text = GOOD.replace('for_each: observables', 'for_each: hosts');
    expect(issuesOf(text)).toEqual(['pb.yaml:8: steps.0.where: "where" needs "for_each: observables"']);
  });

  it('reports every problem of a file, not just the first', () => {
    const text = `trigger: {}\nsteps:\n  - id: a\n    uses: nope\n  - id: a\n    uses: block-ip\n    where: {type: [ipv4]}\n`;
    expect(issuesOf(text).map((i) => i.replace(/ \(known: .*\)$/, ''))).toEqual([
      'pb.yaml:4: steps.0.uses: unknown action "nope"',
      'pb.yaml:5: steps.1.id: duplicate step id "a"',
      'pb.yaml:7: steps.1.where: "where" needs "for_each: observables"',
      'pb.yaml:5: steps.1.with.address: missing input "address"',
    ]);
  });

  it('an unknown key names the key and its line', () => {
    const text = GOOD.replace('    for_each: observables', '    for_eech: observables');
    const issues = issuesOf(text);
    expect(issues[0]).toMatch(/^pb\.yaml:7: steps\.0\.for_eech: .*for_eech/);
  });

  it('a bad where filter and a missing step list are named', () => {
    expect(issuesOf(GOOD.replace('verdict: [malicious]', 'verdict: [evil]'))[0]).toMatch(/^pb\.yaml:10: steps\.0\.where\.verdict\.0: /);
    expect(issuesOf('trigger: {}\nsteps: []\n')).toEqual(['pb.yaml:2: steps: a playbook needs at least one step']);
  });

  it('invalid YAML names the line', () => {
    const issues = issuesOf('trigger:\n  severity: HIGH\nsteps:\n  - uses: block-ip\n   with: {}\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^pb\.yaml:5: not valid YAML: /);
  });

  it('refuses an oversized file', () => {
    expect(issuesOf(`# ${'x'.repeat(300 * 1024)}\n${GOOD}`)).toEqual(['pb.yaml:1: over 262144 bytes']);
  });
});

describe('loadPlaybookText: the language', () => {
  const FULL = `name: full
description: every feature
trigger:
  on: [case.created, severity.reached, tag.added, observable.malicious, phishing.verdict]
  severity: MEDIUM
  sources: [wazuh, suricata]
  rules: ["57*"]
  rule_groups: [authentication_failed]
  mitre: ["T1110*"]
  observable_types: [ipv4]
  hosts: ["web-*"]
  asset_criticality: [high, critical]
  tags: [brute-force]
  verdicts: [phishing]
  if: "case.score >= 40 and event.kind != 'tag.added'"
timeout: 10m
dry_run: true
steps:
  - id: enrich
    uses: enrich
    with: {types: [ipv4]}
  - id: block
    uses: block-ip
    for_each: "where(case.observables, 'verdict', ['malicious'])"
    if: "item.type in ['ipv4', 'ipv6'] and steps.enrich.status == 'succeeded'"
    with:
      address: "{{ item.value }}"
      ttl: "{{ when(item.risk > 80, '24h', '6h') }}"
    timeout: 20s
    retries: 3
    backoff: 500ms
    on_failure: run tell
    approval:
      message: "Block {{ join(targets) }} on case #{{ case.number }}?"
      expires: 2h
  - id: tag
    uses: add-tag
    if: "steps.block.count > 0"
    with: {tags: [blocked]}
    on_failure: continue
  - id: tell
    uses: notify
    with:
      subject: "Case #{{ case.number }}: {{ steps.block.reason }}"
`;

  it('loads every feature with durations in milliseconds and handlers found', () => {
    const r = loadPlaybookText('/pb/full.yaml', FULL);
    expect(r.issues).toEqual([]);
    const pb = r.playbook!;
    expect(pb.timeout).toBe(600_000);
    expect(pb.trigger).toMatchObject({ on: ['case.created', 'severity.reached', 'tag.added', 'observable.malicious', 'phishing.verdict'], severity: 'MEDIUM', verdicts: ['phishing'] });
    expect(pb.steps[1]).toMatchObject({ id: 'block', timeout: 20_000, retries: 3, backoff: 500, on_failure: 'run tell', approval: { expires: 7_200_000 } });
    expect(pb.steps[0]).toMatchObject({ retries: 0, backoff: 1_000, on_failure: 'stop' });
    expect([...pb.handlers]).toEqual(['tell']);
    expect(pb.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the line and field of a bad expression, anywhere it is', () => {
    const bad = FULL.replace("if: \"item.type in ['ipv4', 'ipv6'] and steps.enrich.status == 'succeeded'\"", 'if: "item.type in [\'ipv4\'"')
      .replace('address: "{{ item.value }}"', 'address: "{{ item.value + }}"')
      .replace('if: "case.score >= 40', 'if: "case.score >>= 40');
    expect(issuesOf(bad)).toEqual([
      'pb.yaml:15: trigger.if: bad expression "case.score >>= 40 and event.kind != \'tag.added\'": expected a value, found ">=" (column 13)',
      'pb.yaml:25: steps.1.if: bad expression "item.type in [\'ipv4\'": expected "]" but the expression ends (column 21)',
      'pb.yaml:27: steps.1.with.address: bad placeholder: expected a value but the expression ends (column 13)',
    ]);
  });

  it('refuses unknown names, item outside for_each, and steps that are not earlier', () => {
    const text = `trigger: {}
steps:
  - id: first
    uses: create-task
    with:
      title: "{{ item.value }} {{ secret.key }}"
  - id: second
    uses: create-task
    if: "steps.third.status == 'failed' or steps.second.count > 0"
    with: {title: x}
  - id: third
    uses: create-task
    with: {title: "{{ steps.first.outputs.count }}"}
`;
    expect(issuesOf(text)).toEqual([
      'pb.yaml:6: steps.0.with.title: unknown name "item" (only in a step with for_each): expressions start from case, event, steps, playbook, run',
      'pb.yaml:6: steps.0.with.title: unknown name "secret": expressions start from case, event, steps, playbook, run',
      'pb.yaml:9: steps.1.if: steps.third is not an earlier step of this playbook',
      'pb.yaml:9: steps.1.if: a step cannot read its own outputs (steps.second)',
    ]);
  });

  it('checks on_failure targets, retries, durations and approvals', () => {
    const text = `trigger: {}
steps:
  - id: a
    uses: create-task
    with: {title: a}
    on_failure: run nowhere
  - id: b
    uses: create-task
    with: {title: b}
    on_failure: retry
    retries: 50
    timeout: soon
    approval: {expires: later, ask: who}
`;
    expect(issuesOf(text)).toEqual([
      'pb.yaml:10: steps.1.on_failure: use continue, stop or "run <step id>"',
      'pb.yaml:11: steps.1.retries: Too big: expected number to be <=10',
      'pb.yaml:12: steps.1.timeout: "soon" is not a duration (use e.g. 30s, 15m, 1h, 7d)',
      'pb.yaml:13: steps.1.approval.expires: "later" is not a duration (use e.g. 30s, 15m, 1h, 7d)',
      'pb.yaml:13: steps.1.approval.ask: Unrecognized key: "ask"',
    ]);
    expect(issuesOf(text.replace('on_failure: retry\n', '').replace('    retries: 50\n    timeout: soon\n    approval: {expires: later, ask: who}\n', ''))).toEqual(['pb.yaml:6: steps.0.on_failure: no step "nowhere" to run']);
    expect(issuesOf('trigger: {}\nsteps:\n  - {id: a, uses: create-task, with: {title: a}, on_failure: run a}\n  - {id: b, uses: create-task, with: {title: b}}\n')).toEqual(['pb.yaml:3: steps.0.on_failure: a step cannot be its own failure handler']);
    expect(issuesOf('trigger: {}\nsteps:\n  - {id: a, uses: create-task, with: {title: a}, on_failure: run b}\n  - {id: b, uses: create-task, with: {title: b}, on_failure: run a}\n')).toEqual([
      'pb.yaml:3: steps.0.on_failure: "a" is itself a failure handler: it can continue or stop, not run another step',
      'pb.yaml:4: steps.1.on_failure: "b" is itself a failure handler: it can continue or stop, not run another step',
      'pb.yaml:2: steps: every step is a failure handler: nothing would run',
    ]);
  });

  it('checks inputs that need no placeholder against the action at load time', () => {
    const text = `trigger: {}
steps:
  - uses: block-ip
    with:
      address: "{{ case.hosts }}"
      direction: sideways
      port: 22
`;
    expect(issuesOf(text)).toEqual([
      'pb.yaml:6: steps.0.with.direction: Invalid option: expected one of "inbound"|"outbound"|"both"',
      'pb.yaml:7: steps.0.with.port: unknown input "port"',
    ]);
  });

  it('refuses an unknown trigger event and a bad trigger filter by line', () => {
    expect(issuesOf('trigger:\n  on: [alert.created]\nsteps:\n  - {uses: create-task, with: {title: a}}\n')[0]).toMatch(/^pb\.yaml:2: trigger\.on\.0: Invalid option: expected one of "case\.created"/);
    expect(issuesOf('trigger:\n  asset_criticality: [vital]\nsteps:\n  - {uses: create-task, with: {title: a}}\n')[0]).toMatch(/^pb\.yaml:2: trigger\.asset_criticality\.0: /);
  });
});

describe('loadPlaybooks', () => {
  it('loads the good playbooks and reports every bad file', () => {
    writeFileSync(join(dir, 'a-good.yaml'), GOOD);
    writeFileSync(join(dir, 'b-bad-action.yml'), GOOD.replace('uses: block-ip', 'uses: wipe-disk'));
    writeFileSync(join(dir, 'c-broken.yaml'), 'steps: [\n');
    writeFileSync(join(dir, 'd-good.YAML'), 'trigger: {severity: CRITICAL}\nsteps:\n  - uses: isolate-host\n    for_each: hosts\n    with: {host: "{{ item }}"}\n');
    writeFileSync(join(dir, 'notes.md'), 'not a playbook');
    mkdirSync(join(dir, 'sub'));
    const { playbooks, issues } = loadPlaybooks(dir);
    expect(playbooks.map((p) => p.name)).toEqual(['a-good', 'd-good']);
    expect(issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line}${i.field ? ` ${i.field}` : ''}`)).toEqual([
      'b-bad-action.yml:6 steps.0.uses',
      'c-broken.yaml:2',
    ]);
  });

  it('two playbooks with the same name: the second is reported and skipped', () => {
    writeFileSync(join(dir, 'one.yaml'), `name: block\n${GOOD}`);
    writeFileSync(join(dir, 'two.yaml'), `name: block\n${GOOD}`);
    const { playbooks, issues } = loadPlaybooks(dir);
    expect(playbooks.map((p) => p.file)).toEqual([join(dir, 'one.yaml')]);
    expect(issues.map(formatIssue)).toEqual([`${join(dir, 'two.yaml')}:1: name: another playbook is already named "block"`]);
  });

  it('a missing folder is one issue, not a crash', () => {
    const { playbooks, issues } = loadPlaybooks(join(dir, 'nope'));
    expect(playbooks).toEqual([]);
    expect(issues).toEqual([{ file: join(dir, 'nope'), line: 1, reason: 'playbook folder does not exist' }]);
  });

  it('the bundled sample playbooks load cleanly', () => {
    const { playbooks, issues } = loadPlaybooks(join(PACKAGE_ROOT, 'samples/playbooks'));
    expect(issues).toEqual([]);
    expect(playbooks.map((p) => p.name).sort()).toEqual(['block-malicious-ips', 'contain-critical-hosts', 'phishing-response', 'triage-tasks']);
  });
});
