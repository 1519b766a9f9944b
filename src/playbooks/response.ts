// The response ledger as people see it: `vigil response list|release`, `/api/response`, the case
// page's "held with other cases". One shape for all three, built here.
import { VigilError } from '../core/errors.js';
import type { OrgScope } from '../store/scope.js';
import { ResponseLedger, type EffectState, type EffectView } from './ledger.js';
import { createPlaybookEngine, type EngineHost } from './setup.js';

/** One holder of an effect: a case, when it joined, until when it wants the effect. */
export interface HolderOut {
  caseNumber: number | null;
  caseTitle: string | null;
  caseStatus: string | null;
  joinedAt: string;
  expiresAt: string | null;
  releasedAt: string | null;
  releaseReason: string | null;
  /** The first holder ran the action; the others joined it. */
  first: boolean;
}

export interface EffectOut {
  id: string;
  kind: string;
  target: string;
  state: string;
  status: string;
  since: string;
  expiresAt: string | null;
  releasedAt: string | null;
  releaseReason: string | null;
  holders: HolderOut[];
}

export function effectOut(e: EffectView): EffectOut {
  return {
    id: e.id,
    kind: e.kind,
    target: e.target,
    state: e.state,
    status: e.status,
    since: e.since,
    expiresAt: e.expiresAt,
    releasedAt: e.releasedAt,
    releaseReason: e.releaseReason,
    holders: e.holders.map((h) => ({
      caseNumber: h.caseNumber,
      caseTitle: h.caseTitle,
      caseStatus: h.caseStatus,
      joinedAt: h.joinedAt,
      expiresAt: h.expiresAt,
      releasedAt: h.releasedAt,
      releaseReason: h.releaseReason,
      first: h.actionId === e.actionId,
    })),
  };
}

type Host = Pick<EngineHost, 'repo'>;

export async function listEffects(app: Host, f: { state?: EffectState[]; kind?: string; caseNumber?: number; limit?: number }, scope?: OrgScope): Promise<EffectOut[]> {
  let caseId: string | undefined;
  if (f.caseNumber !== undefined) {
    const c = await app.repo.caseByNumber(f.caseNumber, scope?.org);
    if (!c) return [];
    caseId = c.id;
  }
  const rows = await new ResponseLedger(app.repo.db).list({ ...(f.state && { state: f.state }), ...(f.kind && { kind: f.kind }), ...(caseId && { caseId }), ...(f.limit && { limit: f.limit }), ...(scope && { scope }) });
  return rows.map(effectOut);
}

export async function getEffect(app: Host, ref: string, scope?: OrgScope): Promise<EffectOut> {
  const found = await new ResponseLedger(app.repo.db).find(ref, scope);
  if (!found.length) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no response effect ${ref} (give its id or its target, as \`vigil response list\` shows them)`, { field: 'effect' });
  if (found.length > 1) throw new VigilError('VIGIL_INPUT_INVALID', `${ref} names ${found.length} effects (${found.map((e) => `${e.kind} ${e.target}`).join(', ')}): give the id`, { field: 'effect' });
  return effectOut(found[0]!);
}

/**
 * Ends an active effect for every case that holds it and undoes it now (the unblock, the release of a
 * containment), recording the undo on each of those cases. `by` is recorded as who released it.
 */
export async function releaseEffect(app: EngineHost, ref: string, o: { by: string; reason?: string; scope?: OrgScope }): Promise<EffectOut> {
  const e = await getEffect(app, ref, o.scope);
  if (e.state !== 'active') throw new VigilError('VIGIL_INPUT_INVALID', `${e.kind} ${e.target} is ${e.state}: only an active effect can be released`, { field: 'effect' });
  const now = app.clock.now();
  const why = `released by ${o.by}${o.reason ? `: ${o.reason}` : ''}`;
  const ledger = new ResponseLedger(app.repo.db);
  if (!(await ledger.release(e.id, why, now.toISOString()))) throw new VigilError('VIGIL_INPUT_INVALID', `${e.kind} ${e.target} changed meanwhile; list it again`, { field: 'effect' });
  await createPlaybookEngine(app).releaseDue(now);
  return getEffect(app, e.id, o.scope);
}
