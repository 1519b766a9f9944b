import type { Clock } from '../core/clock.js';
import { describeZodIssues } from '../core/errors.js';
import { stableId } from '../core/ids.js';
import { severityRank, type ActionRecord, type Task } from '../core/types.js';
import type { Guards, PlaybookCase } from './action.js';
import { getAction } from './actions/registry.js';
import type { Playbook, Step } from './schema.js';
import { render } from './template.js';

export type CaseEvent = 'case.created' | 'case.updated';

export interface RunOutput {
  records: ActionRecord[];
  tasks: Task[];
}

function matches(o: PlaybookCase['observables'][number], where: Step['where']): boolean {
  if (!where) return true;
  if (where.type && !where.type.includes(o.type)) return false;
  if (where.verdict && !where.verdict.includes(o.verdict)) return false;
  if (where.scope && !(o.scope && (where.scope as string[]).includes(o.scope))) return false;
  if (where.role && !(o.role && where.role.includes(o.role))) return false;
  return true;
}

function safeName(s: string): string {
  return s.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80);
}

/**
 * Runs the playbooks a case event triggers. Every step outcome becomes an ActionRecord with a
 * stable id (case + playbook + step + target), so a step already recorded for a case is skipped:
 * re-running the same input never acts twice.
 */
export class PlaybookRunner {
  constructor(
    private readonly playbooks: readonly Playbook[],
    private readonly guards: Guards,
    private readonly clock: Clock,
  ) {}

  triggered(c: PlaybookCase, event: CaseEvent): Playbook[] {
    return this.playbooks.filter((p) => p.enabled && p.trigger.on.includes(event) && severityRank(c.severity) >= severityRank(p.trigger.severity));
  }

  async run(c: PlaybookCase, event: CaseEvent, alreadyDone: ReadonlySet<string>): Promise<RunOutput> {
    const out: RunOutput = { records: [], tasks: [] };
    for (const pb of this.triggered(c, event)) {
      for (const step of pb.steps) {
        const action = getAction(step.uses)!;
        const items: unknown[] =
          step.for_each === 'observables' ? c.observables.filter((o) => matches(o, step.where)) : step.for_each === 'hosts' ? c.hosts : [undefined];
        for (const item of items) {
          const missing: string[] = [];
          const rendered = render(step.with, { case: c, item }, missing);
          const at = this.clock.now().toISOString();
          const base = { caseId: c.id, playbook: pb.name, action: action.id, at };
          const parsed = action.inputSchema.safeParse(rendered);
          if (!parsed.success || missing.length) {
            const reason = missing.length
              ? `unknown placeholder${missing.length > 1 ? 's' : ''} ${missing.map((m) => `{{ ${m} }}`).join(', ')}`
              : `invalid inputs: ${describeZodIssues(parsed.error!.issues)}`;
            const target = typeof item === 'string' ? item : ((item as { value?: string } | undefined)?.value ?? step.id!);
            const id = stableId('act', c.id, pb.name, step.id!, target);
            if (alreadyDone.has(id)) continue;
            out.records.push({ id, ...base, status: 'failed', target, reason: `${pb.file}: step ${step.id}: ${reason}`, details: {} });
            continue;
          }
          const target = action.target(parsed.data);
          const id = stableId('act', c.id, pb.name, step.id!, target);
          if (alreadyDone.has(id)) continue;
          let outcome;
          try {
            outcome = await action.run(parsed.data, { case: c, playbook: pb.name, step: step.id!, guards: this.guards, clock: this.clock });
          } catch (e) {
            outcome = { status: 'failed' as const, reason: (e as Error).message, details: {} };
          }
          const artifact = `actions/case-${String(c.number).padStart(4, '0')}/${safeName(pb.name)}--${safeName(step.id!)}--${safeName(target)}.json`;
          out.records.push({ id, ...base, status: outcome.status, target, reason: outcome.reason, details: { inputs: parsed.data, ...outcome.details }, artifact });
          for (const t of outcome.tasks ?? []) {
            out.tasks.push({ id: stableId('task', id, t.title), caseId: c.id, title: t.title, description: t.description, group: t.group, status: 'Waiting', createdBy: `playbook:${pb.name}`, createdAt: at });
          }
        }
      }
    }
    return out;
  }
}
