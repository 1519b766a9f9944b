import { z } from 'zod';
import { Duration } from '../core/clock.js';
import { Severity } from '../core/types.js';

/** What can start a playbook. */
export const TRIGGER_EVENTS = ['case.created', 'case.updated', 'severity.reached', 'tag.added', 'observable.malicious', 'phishing.verdict'] as const;
export const TriggerEvent = z.enum(TRIGGER_EVENTS);
export type TriggerEvent = z.infer<typeof TriggerEvent>;

const Patterns = z.array(z.string().min(1).max(200)).max(200);

/** Observable filter for `for_each: observables`: every listed criterion must hold. */
export const ObservableFilter = z.strictObject({
  type: z.array(z.string()).optional(),
  verdict: z.array(z.enum(['info', 'safe', 'suspicious', 'malicious', 'unknown'])).optional(),
  scope: z.array(z.enum(['public', 'private', 'reserved'])).optional(),
  role: z.array(z.string()).optional(),
});

export const Approval = z.strictObject({
  /** Shown to the approver; may hold `{{ }}` placeholders. */
  message: z.string().max(4_000).optional(),
  /** How long the request waits before the run ends `expired` (default `playbooks.approvalExpiry`). */
  expires: Duration.optional(),
});

export const ON_FAILURE = /^(continue|stop|run [A-Za-z0-9][A-Za-z0-9_-]*)$/;

export const Step = z.strictObject({
  /** Unique within the playbook; defaults to `<uses>-<position>`. Later steps read `steps.<id>.outputs`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only').max(64).optional(),
  /** The action: `block-ip`, `isolate-host`, `create-task`, `notify`, … (docs/playbooks.md). */
  uses: z.string(),
  /** Run only when this expression is true (checked per item under `for_each`). */
  if: z.union([z.string().min(1), z.boolean()]).optional(),
  /** Run once per item: `observables`, `hosts`, or an expression giving a list (`event.observables`). */
  for_each: z.string().min(1).optional(),
  /** Filter for `for_each: observables`. */
  where: ObservableFilter.optional(),
  /** Action inputs; strings may hold `{{ expression }}` placeholders. */
  with: z.record(z.string(), z.unknown()).default({}),
  /** Longest one attempt may take (default `playbooks.stepTimeout`). */
  timeout: Duration.optional(),
  /** Further attempts after a failure that may pass on a retry (timeouts, 5xx, network). */
  retries: z.number().int().min(0).max(10).default(0),
  /** Wait before the first retry; doubles after each (capped at 5 minutes). */
  backoff: Duration.default(1_000),
  /** After a failed step: `stop` the run (default), `continue` with the next step, or `run <step>` (a handler step) and stop. */
  on_failure: z.string().regex(ON_FAILURE, 'use continue, stop or "run <step id>"').default('stop'),
  /** Pause the run before this step until someone approves it (API or `vigil playbooks approve`). */
  approval: z.preprocess((v) => (v === true ? {} : v), Approval).optional(),
  /** `true` simulates this step whatever the config says; `false` cannot lift the configured dry run. */
  dry_run: z.boolean().optional(),
});

export const Trigger = z.strictObject({
  /** Events that start the playbook (default: the case was created or updated). */
  on: z.array(TriggerEvent).min(1).default(['case.created', 'case.updated']),
  /** Lowest case severity; for `severity.reached`, the level the case must have just reached. */
  severity: Severity.default('HIGH'),
  /** The case has an alert from one of these sources (`wazuh`, `suricata`, `sigma`, `email`). */
  sources: Patterns.optional(),
  /** The case has an alert whose rule id matches one of these (`*` wildcards). */
  rules: Patterns.optional(),
  /** The case has an alert whose rule groups/tags hold one of these (`*` wildcards). */
  rule_groups: Patterns.optional(),
  /** The case maps to one of these MITRE ATT&CK technique ids (`T1110*` takes sub-techniques). */
  mitre: Patterns.optional(),
  /** The case has an observable of one of these types. */
  observable_types: z.array(z.string()).max(50).optional(),
  /** A host of the case matches one of these patterns. */
  hosts: Patterns.optional(),
  /** A host of the case has one of these criticalities (from `assess.assets`). */
  asset_criticality: z.array(z.enum(['low', 'medium', 'high', 'critical'])).optional(),
  /** The case has one of these tags; for `tag.added`, one of the tags just added matches. */
  tags: Patterns.optional(),
  /** For `phishing.verdict`: the verdicts that count (default `phishing` and `malicious`). */
  verdicts: z.array(z.enum(['suspicious', 'phishing', 'malicious'])).optional(),
  /** Any further condition, as an expression over `case` and `event`. */
  if: z.string().min(1).optional(),
});

export const Playbook = z.strictObject({
  /** Defaults to the file name without extension. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, ., - and _ only').max(100).optional(),
  description: z.string().default(''),
  enabled: z.boolean().default(true),
  trigger: Trigger.prefault({}),
  /** Longest the whole run may take, approvals aside (default `playbooks.runTimeout`). */
  timeout: Duration.optional(),
  /** `true` simulates every step of this playbook. */
  dry_run: z.boolean().optional(),
  steps: z.array(Step).min(1, 'a playbook needs at least one step').max(50),
});

export type Step = z.infer<typeof Step> & { id: string };
export type Playbook = Omit<z.infer<typeof Playbook>, 'steps' | 'name'> & {
  steps: Step[];
  name: string;
  file: string;
  /** Content hash of the file, so a paused run does not resume into a changed playbook. */
  hash: string;
  /** Steps only run by another step's `on_failure: run <id>`. */
  handlers: Set<string>;
};
export type Trigger = z.infer<typeof Trigger>;
