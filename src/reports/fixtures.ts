import { alertId } from '../core/ids.js';
import type { CaseReport } from './model.js';

// A realistic case for tests and previews: an SSH brute force from a feed-listed address against
// web-01, where the playbook simulated the block and refused to isolate the allowlisted host.

const CASE_ID = 'cs_Q2k8mVb1xN0pT7rYc4LwAe';
const ATTACKER = '185.220.101.4';
const HOST = 'web-01';

const ALERT_1 = alertId('wazuh', '1741943523.1048213');
const ALERT_2 = alertId('wazuh', '1741943561.1051877');
const ALERT_3 = alertId('wazuh', '1741943638.1060342');

const FIXTURE: CaseReport = {
  generatedAt: '2025-03-14T09:15:02.418Z',
  case: {
    id: CASE_ID,
    number: 3,
    title: `SSH brute force from ${ATTACKER} on ${HOST}`,
    status: 'New',
    severity: 'HIGH',
    createdAt: '2025-03-14T09:12:04.102Z',
    updatedAt: '2025-03-14T09:14:00.877Z',
    summary:
      `Wazuh reported repeated failed SSH logins on ${HOST} (10.0.1.15) from ${ATTACKER} between 09:12 and 09:13 UTC, ` +
      `for the non-existent user "oracle" and for root, ending in rule 5712 (brute force). The source address is listed ` +
      `in the local blocklist-ssh feed. No successful login was seen. Blocking the address was simulated; isolating ` +
      `${HOST} was refused because the host is allowlisted.`,
    tags: ['ssh', 'brute-force', 'authentication_failures', 'wazuh'],
  },
  assessment: {
    severity: 'HIGH',
    score: 80,
    reasons: [
      { factor: 'rule-level', detail: 'Wazuh rule 5712 at level 10 of 15', delta: 40 },
      { factor: 'intel', detail: `${ATTACKER} is malicious according to local-feeds (score 90)`, delta: 30 },
      { factor: 'asset', detail: `${HOST} matches asset pattern "web-*" (criticality high)`, delta: 10 },
      { factor: 'tag', detail: 'rule group authentication_failures', delta: 5 },
      { factor: 'tag', detail: 'no authentication_success in the case: no evidence the attempts worked', delta: -5 },
    ],
  },
  timeline: [
    { at: '2025-03-14T09:12:04.102Z', kind: 'case.opened', message: `Case opened from alert 5710 on ${HOST}`, actor: 'vigil' },
    { at: '2025-03-14T09:12:41.530Z', kind: 'alert.added', message: `Alert 5710 joined: shared observable ${ATTACKER}`, actor: 'vigil' },
    { at: '2025-03-14T09:13:58.914Z', kind: 'alert.added', message: `Alert 5712 joined: shared observable ${ATTACKER}`, actor: 'vigil' },
    { at: '2025-03-14T09:13:59.020Z', kind: 'severity.raised', message: 'Severity raised from MEDIUM to HIGH (score 80)', actor: 'vigil' },
    { at: '2025-03-14T09:13:59.311Z', kind: 'action.simulated', message: `block-ip ${ATTACKER} simulated`, actor: 'playbook:high-severity' },
    { at: '2025-03-14T09:13:59.342Z', kind: 'action.refused', message: `isolate-host ${HOST} refused: host is allowlisted`, actor: 'playbook:high-severity' },
    { at: '2025-03-14T09:13:59.360Z', kind: 'task.created', message: '2 analyst tasks created', actor: 'playbook:high-severity' },
    { at: '2025-03-14T09:14:00.877Z', kind: 'notification.queued', message: 'HIGH notification written to the outbox', actor: 'vigil' },
  ],
  alerts: [
    {
      id: ALERT_1, source: 'wazuh', sourceRef: '1741943523.1048213', time: '2025-03-14T09:12:03.000Z',
      title: 'sshd: Attempt to login using a non-existent user', ruleId: '5710', ruleLevel: 5, host: HOST,
      severity: 'MEDIUM', score: 50,
    },
    {
      id: ALERT_2, source: 'wazuh', sourceRef: '1741943561.1051877', time: '2025-03-14T09:12:41.000Z',
      title: 'sshd: authentication failed', ruleId: '5716', ruleLevel: 5, host: HOST,
      severity: 'MEDIUM', score: 50,
    },
    {
      id: ALERT_3, source: 'wazuh', sourceRef: '1741943638.1060342', time: '2025-03-14T09:13:58.000Z',
      title: 'sshd: brute force trying to get access to the system. Non existent user.', ruleId: '5712', ruleLevel: 10, host: HOST,
      severity: 'HIGH', score: 80,
    },
  ],
  observables: [
    {
      type: 'ipv4', value: ATTACKER, scope: 'public', role: 'src',
      risk: { score: 90, verdict: 'malicious' },
      intel: [
        {
          provider: 'local-feeds',
          observable: { type: 'ipv4', value: ATTACKER },
          verdict: 'malicious',
          score: 90,
          evidence: [
            `${ATTACKER} is listed in feed blocklist-ssh (plain, samples/feeds/blocklist-ssh.txt)`,
            'feed entry added 2025-03-10, category ssh brute force',
          ],
          tags: ['ssh', 'bruteforce'],
          firstSeen: '2025-03-10T00:00:00Z',
          lastSeen: '2025-03-14T06:00:00Z',
          // Kept to prove renderers leave raw answers out of the documents.
          raw: { feed: 'blocklist-ssh', line: 412, entry: ATTACKER, note: 'RAW-PROVIDER-ANSWER' },
        },
      ],
    },
    { type: 'user', value: 'oracle', role: 'user', intel: [] },
    { type: 'user', value: 'root', role: 'user', intel: [] },
    { type: 'ipv4', value: '10.0.1.15', scope: 'private', role: 'dst', intel: [] },
    { type: 'host', value: HOST, role: 'host', intel: [] },
  ],
  actions: [
    {
      id: 'act_7hV0cTq2LmN9sWb4XyE1Rk',
      caseId: CASE_ID,
      playbook: 'high-severity',
      action: 'block-ip',
      status: 'simulated',
      target: ATTACKER,
      reason: 'dev-safe default: no firewall is configured, the rule was recorded only',
      details: { rule: `deny inbound from ${ATTACKER} to any`, durationHours: 24 },
      at: '2025-03-14T09:13:59.311Z',
      artifact: 'actions/case-0003-block-ip-185.220.101.4.json',
    },
    {
      id: 'act_Pz3uKd8Jr5Qe1WnC6vHa0M',
      caseId: CASE_ID,
      playbook: 'high-severity',
      action: 'isolate-host',
      status: 'refused',
      target: HOST,
      reason: `host ${HOST} is allowlisted (response.allowlist.hosts: "web-01"); containment never runs on allowlisted hosts`,
      details: {},
      at: '2025-03-14T09:13:59.342Z',
      artifact: 'actions/case-0003-isolate-host-web-01.json',
    },
  ],
  tasks: [
    {
      id: 'tsk_Vw2nE8bK4qS0yJ6hLc9TfA',
      caseId: CASE_ID,
      title: `Check ${HOST} auth logs for a successful login from ${ATTACKER}`,
      description: `Search /var/log/auth.log on ${HOST} for "Accepted" entries from ${ATTACKER} since 2025-03-14 09:00 UTC.`,
      group: 'triage',
      status: 'Waiting',
      createdBy: 'playbook:high-severity',
      createdAt: '2025-03-14T09:13:59.360Z',
    },
    {
      id: 'tsk_Rb7mX1cF5uD3pG9zNe2KsY',
      caseId: CASE_ID,
      title: `Confirm the block of ${ATTACKER} on the perimeter firewall`,
      description: 'The block-ip action was simulated; apply it on the firewall or record why not.',
      group: 'containment',
      status: 'Waiting',
      createdBy: 'playbook:high-severity',
      createdAt: '2025-03-14T09:13:59.361Z',
    },
  ],
  mitre: [{ id: 'T1110', tactic: 'Credential Access', technique: 'Brute Force' }],
};

/**
 * A fresh copy of the SSH brute force case (#3, HIGH, web-01 attacked from feed-listed
 * 185.220.101.4; block-ip simulated, isolate-host refused, two tasks, T1110). A copy each call,
 * so a test may change it freely.
 */
export function sshBruteForceCaseReport(): CaseReport {
  return structuredClone(FIXTURE);
}

/** A script tag, an event-handler image and Markdown breakers: what a hostile alert may carry. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(2)>',
  markdown: 'a | b `c` *d* _e_ [f](https://evil.example) <b>g</b> ~h~ \\',
} as const;

/**
 * The SSH case with attacker-controlled text in every field an alert can reach: title, summary,
 * observable values, provider evidence, action targets and reasons, task titles, a MITRE id that
 * is a `javascript:` URL. Renderers must show all of it as inert text.
 */
export function hostileCaseReport(): CaseReport {
  const r = sshBruteForceCaseReport();
  r.case.title = `SSH ${HOSTILE.script} from 185.220.101.4 | ${HOSTILE.markdown}`;
  r.case.summary = `# not a heading\n${HOSTILE.img} and ${HOSTILE.script}\r\nsecond line`;
  r.case.tags.push(HOSTILE.script);
  r.assessment.reasons.push({ factor: HOSTILE.script, detail: HOSTILE.markdown, delta: -3 });
  r.timeline.push({ at: 'not a date', kind: 'alert.added', message: HOSTILE.img, actor: HOSTILE.script });
  r.alerts[0]!.title = `${HOSTILE.script} ${HOSTILE.markdown}`;
  r.alerts[0]!.host = HOSTILE.img;
  r.observables.push({
    type: 'url',
    value: `http://evil.example/${HOSTILE.script}?q=|x|&y=\`z\``,
    scope: 'public',
    risk: { score: 95, verdict: 'malicious' },
    intel: [{
      provider: HOSTILE.script,
      observable: { type: 'url', value: 'http://evil.example/' },
      verdict: 'malicious',
      score: 95,
      evidence: [HOSTILE.img, HOSTILE.markdown],
      tags: [HOSTILE.script],
      raw: { body: HOSTILE.script },
    }],
  });
  r.actions[1]!.reason = `${HOSTILE.img} | ${HOSTILE.script}`;
  r.actions[1]!.target = `web-01${HOSTILE.script}`;
  r.tasks[0]!.title = HOSTILE.script;
  r.tasks[0]!.description = HOSTILE.markdown;
  r.mitre.push({ id: 'javascript:alert(3)', tactic: HOSTILE.script, technique: HOSTILE.markdown });
  return r;
}
