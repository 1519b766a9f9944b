import type { ObservableRisk } from '../assess/index.js';
import type { IntelResult, Observable, Verdict } from '../core/types.js';
import type { Logger } from '../core/log.js';
import type { IntelContext, IntelProviderDefinition, IntelProviderInstance, ObservableRef } from './provider.js';

export interface EnrichedObservable {
  results: IntelResult[];
  risk: ObservableRisk;
}

export interface RiskConfig {
  /** Multiplier per provider id (default 1): how much its score counts. */
  weights: Record<string, number>;
  /** Points added for each further provider that flags the observable (agreement between sources). */
  agreementBonus: number;
}

export const DEFAULT_RISK: RiskConfig = { weights: {}, agreementBonus: 10 };

export function observableKey(o: ObservableRef): string {
  return `${o.type}:${o.value}`;
}

/**
 * Unified risk: the highest weighted provider score, plus a bonus for each further provider that
 * flags the observable, capped at 100. Verdict bands: ≥70 malicious, ≥35 suspicious; all-safe
 * answers give `safe`; no signal gives `unknown`.
 */
export function unifiedRisk(o: ObservableRef, results: readonly IntelResult[], cfg: RiskConfig = DEFAULT_RISK): ObservableRisk {
  let best = 0;
  let flagged = 0;
  let safe = 0;
  const evidence: Array<{ line: string; score: number }> = [];
  for (const r of results) {
    const weighted = r.score * (cfg.weights[r.provider] ?? 1);
    if (weighted > best) best = weighted;
    if (r.verdict === 'malicious' || r.verdict === 'suspicious') flagged++;
    if (r.verdict === 'safe') safe++;
    for (const e of r.evidence) evidence.push({ line: `${r.provider}: ${e}`, score: weighted });
  }
  const score = Math.min(100, Math.round(best + Math.max(0, flagged - 1) * cfg.agreementBonus));
  let verdict: Verdict = 'unknown';
  if (score >= 70) verdict = 'malicious';
  else if (score >= 35) verdict = 'suspicious';
  else if (safe > 0 && flagged === 0) verdict = 'safe';
  else if (results.some((r) => r.verdict === 'info')) verdict = 'info';
  evidence.sort((a, b) => b.score - a.score);
  return { type: o.type, value: o.value, score, verdict, evidence: evidence.map((e) => e.line) };
}

interface ActiveProvider {
  id: string;
  supports: ReadonlySet<string>;
  remote: boolean;
  instance: IntelProviderInstance;
}

/** Runs the enabled providers over observables; one instance per process, shared by every stage. */
export class IntelEngine {
  private readonly active: ActiveProvider[] = [];
  /** Providers that are off and why, said once at start. */
  readonly disabled: Array<{ id: string; reason: string }> = [];

  constructor(
    defs: readonly IntelProviderDefinition<unknown>[],
    configs: Record<string, unknown>,
    ctx: IntelContext,
    private readonly risk: RiskConfig = DEFAULT_RISK,
    log?: Logger,
  ) {
    for (const def of defs) {
      const parsed = def.configSchema.safeParse(configs[def.id] ?? {});
      if (!parsed.success) {
        this.disabled.push({ id: def.id, reason: `invalid config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
        continue;
      }
      const made = def.create(parsed.data, ctx);
      if ('disabled' in made) this.disabled.push({ id: def.id, reason: made.disabled });
      else this.active.push({ id: def.id, supports: new Set(def.supports), remote: def.remote, instance: made });
    }
    for (const d of this.disabled) log?.info({ provider: d.id }, `intel provider ${d.id} disabled: ${d.reason}`);
  }

  get providers(): string[] {
    return this.active.map((p) => p.id);
  }

  /** Whether an observable is worth looking up at all: private and reserved IPs are not. */
  static enrichable(o: Observable): boolean {
    if (o.type === 'ipv4' || o.type === 'ipv6') return o.scope === 'public';
    return o.type === 'domain' || o.type === 'url' || o.type === 'email' || o.type === 'md5' || o.type === 'sha1' || o.type === 'sha256' || o.type === 'sha512';
  }

  /**
   * Looks every distinct observable up with every provider that supports its type. A provider that
   * throws degrades that answer (marked partial with the reason); it never fails the batch.
   */
  async enrichMany(observables: Iterable<ObservableRef>): Promise<Map<string, EnrichedObservable>> {
    const unique = new Map<string, ObservableRef>();
    for (const o of observables) unique.set(observableKey(o), o);
    const out = new Map<string, EnrichedObservable>();
    const failed = (p: ActiveProvider, o: ObservableRef, e: unknown): IntelResult => ({
      provider: p.id,
      observable: { type: o.type, value: o.value },
      verdict: 'unknown',
      score: 0,
      evidence: [],
      tags: [],
      partial: true,
      error: (e as Error).message,
    });
    const pending: Array<Promise<void>> = [];
    for (const [key, o] of unique) {
      const results: IntelResult[] = [];
      const remote: ActiveProvider[] = [];
      for (const p of this.active) {
        if (!p.supports.has(o.type)) continue;
        if (!p.instance.lookupSync) {
          remote.push(p);
          continue;
        }
        try {
          results.push(p.instance.lookupSync(o));
        } catch (e) {
          results.push(failed(p, o, e));
        }
      }
      if (!remote.length) {
        out.set(key, { results, risk: unifiedRisk(o, results, this.risk) });
        continue;
      }
      pending.push(
        (async () => {
          for (const p of remote) {
            try {
              results.push(await p.instance.lookup(o));
            } catch (e) {
              results.push(failed(p, o, e));
            }
          }
          out.set(key, { results, risk: unifiedRisk(o, results, this.risk) });
        })(),
      );
    }
    await Promise.all(pending);
    return out;
  }
}
