import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.js';
import { SigmaEngine } from './engine.js';
import { parsePipeline } from './pipeline.js';

const RULE = `title: Whoami
id: 00000000-0000-4000-8000-0000000000aa
logsource:
    product: windows
detection:
    sel:
        Image|endswith: '\\whoami.exe'
        User|fieldref: ParentUser
    condition: sel
`;

describe('processing pipelines', () => {
  it('maps Sigma field names to event fields, several targets meaning any', () => {
    const p = parsePipeline(`name: ecs
transformations:
    - type: field_name_mapping
      mapping:
          Image: [process.executable, process.name]
          User: user.name
          ParentUser: process.parent.user.name
`);
    const { engine } = SigmaEngine.fromYaml(RULE, 'r.yml', { prepare: false, fieldMap: p.fieldMap });
    const ev = (img: Record<string, string>) => ({ process: { ...img, parent: { user: { name: 'bob' } } }, user: { name: 'BOB' } });
    expect(engine.match(ev({ executable: 'C:\\Windows\\whoami.exe' }))).toHaveLength(1);
    expect(engine.match(ev({ name: 'c:\\x\\whoami.exe' }))).toHaveLength(1);
    expect(engine.match(ev({ executable: 'C:\\Windows\\cmd.exe' }))).toHaveLength(0);
  });

  it('reads the older fieldmappings form and refuses what it cannot do', () => {
    expect(parsePipeline('fieldmappings:\n    Image: NewProcessName\n').fieldMap).toEqual({ Image: 'NewProcessName' });
    expect(() => parsePipeline('transformations:\n    - type: add_condition\n      conditions: {a: 1}\n')).toThrow(VigilError);
    expect(() => parsePipeline('fieldmappings: [1]\n')).toThrow(/fieldmappings must be a map/);
  });
});
