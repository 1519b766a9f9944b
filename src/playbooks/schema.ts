import { z } from 'zod';
import { Severity } from '../core/types.js';

/** Observable filter for `for_each: observables`: every listed criterion must hold. */
export const ObservableFilter = z.strictObject({
  type: z.array(z.string()).optional(),
  verdict: z.array(z.enum(['info', 'safe', 'suspicious', 'malicious', 'unknown'])).optional(),
  scope: z.array(z.enum(['public', 'private', 'reserved'])).optional(),
  role: z.array(z.string()).optional(),
});

export const Step = z.strictObject({
  /** Unique within the playbook; defaults to `<uses>-<position>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only').optional(),
  /** The action: `block-ip`, `isolate-host`, `create-task`. */
  uses: z.string(),
  /** Run the step once per item: each matching observable, or each host of the case. */
  for_each: z.enum(['observables', 'hosts']).optional(),
  /** Filter for `for_each: observables`. */
  where: ObservableFilter.optional(),
  /** Action inputs; strings may hold `{{ case.title }}`, `{{ item.value }}` placeholders. */
  with: z.record(z.string(), z.unknown()).default({}),
});

export const Playbook = z.strictObject({
  /** Defaults to the file name without extension. */
  name: z.string().optional(),
  description: z.string().default(''),
  enabled: z.boolean().default(true),
  trigger: z.strictObject({
    on: z.array(z.enum(['case.created', 'case.updated'])).default(['case.created', 'case.updated']),
    /** Lowest case severity that runs the playbook. */
    severity: Severity.default('HIGH'),
  }).prefault({}),
  steps: z.array(Step).min(1, 'a playbook needs at least one step'),
});

export type Playbook = z.infer<typeof Playbook> & { name: string; file: string };
export type Step = z.infer<typeof Step>;
