import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseTemplate, loadTemplates } from './templates.js';

describe('case templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-templates-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a folder (one template or a list per file), reports bad ones with file:line, and keeps the good ones', () => {
    writeFileSync(join(dir, 'malware.yaml'), 'severity: 3\ntags: [malware]\ntasks:\n  - title: Isolate the host\n    group: containment\n  - title: Collect the sample\n');
    writeFileSync(join(dir, 'list.yml'), '- name: ddos\n  tasks: [{ title: Call the ISP }]\n- name: insider\n  tlp: 9\n');
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\ntasks:\n  - group: x\n  - title: fine\n    colour: red\n');
    writeFileSync(join(dir, 'dup.yaml'), 'name: phishing\n');
    const config = [CaseTemplate.parse({ name: 'phishing', tasks: [{ title: 'Analyse headers' }] })];
    const { templates, issues } = loadTemplates(config, dir);
    expect([...templates.keys()]).toEqual(['phishing', 'ddos', 'malware']);
    expect(templates.get('malware')).toMatchObject({ severity: 3, tags: ['malware'], tasks: [{ title: 'Isolate the host', group: 'containment' }, { title: 'Collect the sample' }] });
    expect(issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line} ${i.field}: ${i.reason}`)).toEqual([
      'broken.yaml:3 tasks.0.title: is required',
      'broken.yaml:5 tasks.1.colour: Unrecognized key: "colour"',
      'dup.yaml:1 name: another case template is already named "phishing"',
      'list.yml:4 1.tlp: Too big: expected number to be <=4',
    ]);
  });

  it('says when the folder is missing', () => {
    expect(loadTemplates([], join(dir, 'nope')).issues[0]!.reason).toBe('case template folder does not exist');
  });
});
