import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { ActionRecord, Severity, Verdict } from '../core/types.js';

/** The case as playbooks see it: what templates and `for_each` can reach. */
export interface PlaybookCase {
  id: string;
  number: number;
  title: string;
  severity: Severity;
  score: number;
  hosts: string[];
  tags: string[];
  observables: Array<{ type: string; value: string; scope?: string; role?: string; verdict: Verdict; risk: number }>;
  alerts: Array<{ id: string; title: string; ruleId: string; host: string; source: string; time: string }>;
}

/** Safety rails every action consults before it does anything. */
export interface Guards {
  /** Why this address must never be blocked (private, reserved, allowlisted), or undefined. */
  ipRefusal(ip: string): string | undefined;
  /** Why this host must never be contained (allowlisted), or undefined. */
  hostRefusal(host: string): string | undefined;
}

export interface NewTask {
  title: string;
  description: string;
  group: string;
}

export interface ActionContext {
  case: PlaybookCase;
  playbook: string;
  step: string;
  guards: Guards;
  clock: Clock;
}

/** What an action reports back; the runner turns it into a recorded `ActionRecord`. */
export interface ActionOutcome {
  status: ActionRecord['status'];
  reason: string;
  details: Record<string, unknown>;
  /** Tasks the action adds to the case. */
  tasks?: NewTask[];
}

/** One response step. One folder under `src/playbooks/actions/` per action, listed in `registry.ts`. */
export interface ResponseAction<I = unknown> {
  /** A verb, equal to the folder name: `block-ip`. */
  id: string;
  description: string;
  /** Validates the step's rendered `with:` inputs; errors name the field. */
  inputSchema: z.ZodType<I>;
  /** What the action acts on (an address, a host, a task title): part of its idempotency key. */
  target(input: I): string;
  run(input: I, ctx: ActionContext): Promise<ActionOutcome>;
}

export function defineResponseAction<I>(a: ResponseAction<I>): ResponseAction<I> {
  return a;
}
