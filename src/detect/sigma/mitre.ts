import type { Mitre } from '../../core/types.js';

// Tactic tag → display name and ATT&CK id (spec appendix "Tags", namespace attack).
const TACTICS: Record<string, [string, string]> = {
  reconnaissance: ['Reconnaissance', 'TA0043'],
  'resource-development': ['Resource Development', 'TA0042'],
  'initial-access': ['Initial Access', 'TA0001'],
  execution: ['Execution', 'TA0002'],
  persistence: ['Persistence', 'TA0003'],
  'privilege-escalation': ['Privilege Escalation', 'TA0004'],
  'defense-evasion': ['Defense Evasion', 'TA0005'],
  'credential-access': ['Credential Access', 'TA0006'],
  discovery: ['Discovery', 'TA0007'],
  'lateral-movement': ['Lateral Movement', 'TA0008'],
  collection: ['Collection', 'TA0009'],
  exfiltration: ['Exfiltration', 'TA0010'],
  'command-and-control': ['Command and Control', 'TA0011'],
  impact: ['Impact', 'TA0040'],
};

/** The ATT&CK tactic id (`TA0002`) for a tactic tag name (`execution`), if it is one. */
export function tacticId(name: string): string | undefined {
  return TACTICS[name.toLowerCase()]?.[1];
}

/**
 * Reads `attack.*` tags into Vigil's MITRE shape, the one Wazuh alerts also use: `ids` are
 * technique ids (`T1059.001`), `tactics` are display names (`Execution`). Group (`g0001`) and
 * software (`s0002`) tags carry no technique and are left out. Technique names need the ATT&CK
 * catalogue, which Sigma tags do not carry, so `techniques` stays empty.
 */
export function mitreFromTags(tags: readonly string[]): Mitre {
  const ids: string[] = [];
  const tactics: string[] = [];
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const rest = t.slice('attack.'.length);
    const tech = /^t(\d{4})(?:\.(\d{3}))?$/.exec(rest);
    if (tech) {
      const id = `T${tech[1]}${tech[2] ? `.${tech[2]}` : ''}`;
      if (!ids.includes(id)) ids.push(id);
      continue;
    }
    const tactic = TACTICS[rest];
    if (tactic && !tactics.includes(tactic[0])) tactics.push(tactic[0]);
  }
  return { ids, tactics, techniques: [] };
}
