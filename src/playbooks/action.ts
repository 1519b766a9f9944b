import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { CaseStatus, Severity, Verdict, type ActionRecord } from '../core/types.js';

/**
 * The case as playbooks see it: what expressions, templates, triggers and `for_each` can reach.
 * Also the shape of the fixture `vigil playbooks test --case FILE` reads (most fields optional).
 */
export const PlaybookCaseSchema = z.strictObject({
  id: z.string().min(1).default('case_fixture'),
  number: z.number().int().min(0).default(1),
  title: z.string().default(''),
  severity: Severity,
  score: z.number().default(0),
  status: CaseStatus.default('New'),
  /** Who the case is assigned to (set by `assign`). */
  assignee: z.string().optional(),
  /** Hosts the alerts are about (network sensors excluded: containing them would blind the SOC). */
  hosts: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  observables: z
    .array(
      z.strictObject({
        type: z.string(),
        value: z.string(),
        scope: z.string().optional(),
        role: z.string().optional(),
        verdict: Verdict.default('unknown'),
        risk: z.number().default(0),
      }),
    )
    .default([]),
  alerts: z
    .array(
      z.strictObject({
        id: z.string(),
        title: z.string().default(''),
        ruleId: z.string().default(''),
        host: z.string().default(''),
        source: z.string().default(''),
        time: z.string().default(''),
      }),
    )
    .default([]),
  /** Distinct alert sources, rule ids, rule groups and MITRE technique ids of the case. */
  sources: z.array(z.string()).default([]),
  ruleIds: z.array(z.string()).default([]),
  ruleGroups: z.array(z.string()).default([]),
  mitre: z.array(z.string()).default([]),
  /** Each host with its criticality from `assess.assets`, when it has one. */
  assets: z.array(z.strictObject({ host: z.string(), criticality: z.enum(['low', 'medium', 'high', 'critical']).optional() })).default([]),
});
export type PlaybookCase = z.infer<typeof PlaybookCaseSchema>;

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

/** What an action changes on the case itself; the engine stores it with the action record. */
export interface CaseChanges {
  addTags?: string[];
  severity?: Severity;
  status?: CaseStatus;
  assignee?: string;
}

/** An observable's fresh intel verdict, as `enrich` reports it. */
export interface EnrichAnswer {
  type: string;
  value: string;
  verdict: string;
  score: number;
  evidence: string[];
  providers: string[];
}

/** A message a playbook sends through a notification channel. */
export interface PlaybookMessage {
  id: string;
  caseId: string;
  caseNumber: number;
  subject: string;
  text: string;
  severity: Severity;
  data: Record<string, unknown>;
}

/** What the engine lends actions; I/O goes through here so tests can hand in fakes. */
export interface ActionServices {
  fetch: typeof fetch;
  /** Where `…Env` settings are read. */
  env: Record<string, string | undefined>;
  log: Logger;
  /** Re-runs threat-intel enrichment (the app's intel engine); undefined where there is none (`playbooks test`). */
  enrich?: (observables: Array<{ type: string; value: string; scope?: string }>, opts: { providers?: string[] }) => Promise<EnrichAnswer[]>;
  /** Sends through a configured notification channel by name; undefined where there is none. */
  notify?: (channel: string, message: PlaybookMessage) => Promise<{ location: string }>;
  /** Resolves a host name to its addresses (http-request checks them); tests replace it. */
  lookup?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface ActionContext<C = unknown> {
  case: PlaybookCase;
  playbook: string;
  step: string;
  runId: string;
  /** Stable per case + playbook + step + target: sent to systems that deduplicate (`Idempotency-Key`). */
  idempotencyKey: string;
  guards: Guards;
  clock: Clock;
  /** True: say what would happen and change nothing (status `simulated`). */
  dryRun: boolean;
  /** Aborted when the step's timeout passes. */
  signal: AbortSignal;
  /** This action's settings from `playbooks.actions.<id>`, validated by its `configSchema`. */
  config: C;
  services: ActionServices;
}

/** What an action reports back; the engine turns it into a recorded `ActionRecord`. */
export interface ActionOutcome {
  status: ActionRecord['status'];
  reason: string;
  details: Record<string, unknown>;
  /** Values later steps read as `steps.<id>.outputs.<name>`. */
  outputs?: Record<string, unknown>;
  /** Tasks the action adds to the case. */
  tasks?: NewTask[];
  /** Changes to the case row (tags, severity, status, assignee). */
  changes?: CaseChanges;
  /** When what it did lapses; the sweep then calls `undo` and records it (a block's TTL). */
  expiresAt?: string;
  /** With status `failed`: another attempt may succeed (timeout, 5xx, network). */
  retryable?: boolean;
}

/** A recorded action the sweep is undoing. */
export interface UndoTarget {
  id: string;
  caseId: string;
  target: string;
  status: ActionRecord['status'];
  details: Record<string, unknown>;
  /** Why it ends now, for the record: `TTL ended` (the default), `every holding case was closed as a false positive`. */
  why?: string;
}

/** What an effect's key may depend on besides the inputs. */
export interface EffectContext {
  /** The canonical name of a host (src/core/identity.ts), so one machine under two names is one target. */
  canonicalHost(name: string): string;
}

/**
 * How the response ledger (src/playbooks/ledger.ts) keys what an action does to the outside world:
 * one row per (action id, canonical target), shared by every case. The first case runs the action;
 * later ones join it (status `joined`, no second command) and the undo runs once, when the last
 * holder's end passes or every holding case was closed as a false positive.
 */
export interface EffectKey<I> {
  /** The canonical target: an address in canonical form, a host's canonical name. */
  target(input: I, ctx: EffectContext): string;
  /** When this case stops wanting the effect (a block's TTL); null for no end (a containment). */
  expiresAt(input: I, now: Date): string | null;
  /** Whether the action's settings would change a real system outside dry run (an adapter is configured); default true. */
  enforced?(config: unknown): boolean;
  /** What the joining case should know when the effect in place differs from what it asked for (a block's direction). */
  joinNote?(input: I, inPlace: Record<string, unknown>): string | undefined;
}

/** One response step. One folder under `src/playbooks/actions/` per action, listed in `registry.ts`. */
export interface ResponseAction<I = unknown, C = unknown> {
  /** A verb, equal to the folder name: `block-ip`. */
  id: string;
  description: string;
  /** Changes something outside Vigil: simulated while `playbooks.dryRun` is on (the default). */
  destructive: boolean;
  /**
   * Only changes Vigil's own case data, through what it returns (tasks, changes): the engine stores
   * that with the action record in one transaction, so nothing needs recording before it runs.
   */
  internal?: boolean;
  /** The action name of the record `undo` writes (`unblock-ip`); default `<id>.undo`. */
  undoAction?: string;
  /** Validates the step's rendered `with:` inputs; errors name the field. */
  inputSchema: z.ZodType<I>;
  /** Settings under `playbooks.actions.<id>`; `{}` must be valid (dev-safe defaults). */
  configSchema: z.ZodType<C>;
  /** Output names and what they hold, for the docs and `steps.<id>.outputs`. */
  outputs: Record<string, string>;
  /** What the action acts on (an address, a host, a task title): part of its idempotency key. */
  target(input: I): string;
  run(input: I, ctx: ActionContext<C>): Promise<ActionOutcome>;
  /** Set for actions whose effect the response ledger shares between cases (blocks, containment). */
  effect?: EffectKey<I>;
  /** Reverses what `run` did once its `expiresAt` passed (an unblock). */
  undo?(done: UndoTarget, ctx: Omit<ActionContext<C>, 'case' | 'step' | 'runId' | 'idempotencyKey'>): Promise<ActionOutcome>;
}

/** Every action's settings may carry `dryRun`; the rest is the action's own. */
export function actionConfig<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({
    /** Overrides `playbooks.dryRun` for this action. */
    dryRun: z.boolean().optional(),
    ...shape,
  });
}

export function defineResponseAction<I, C>(a: ResponseAction<I, C>): ResponseAction<I, C> {
  return a;
}

/** A failure a retry may fix. */
export function retryableFailure(reason: string, details: Record<string, unknown> = {}): ActionOutcome {
  return { status: 'failed', reason, details, retryable: true };
}
