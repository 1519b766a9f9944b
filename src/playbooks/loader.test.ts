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
    expect(issuesOf(text)).toEqual(['pb.yaml:6: steps.0.uses: unknown action "nuke-host"']);
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
    expect(issuesOf(text)).toEqual([
      'pb.yaml:4: steps.0.uses: unknown action "nope"',
      'pb.yaml:5: steps.1.id: duplicate step id "a"',
      'pb.yaml:7: steps.1.where: "where" needs "for_each: observables"',
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
    expect(playbooks.map((p) => p.name).sort()).toEqual(['block-malicious-ips', 'contain-critical-hosts', 'triage-tasks']);
  });
});
