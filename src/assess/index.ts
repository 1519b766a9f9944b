import type { VigilConfig } from '../config.js';
import type { Alert, Assessment, Reason, Severity, Verdict } from '../core/types.js';
import { compileGlob, type Glob } from '../core/glob.js';

/** Unified intel risk of one observable, as the enrichment stage computes it. */
export interface ObservableRisk {
  type: string;
  value: string;
  score: number;
  verdict: Verdict;
  /** Evidence behind it, best first. */
  evidence: string[];
}

export type AssessConfig = VigilConfig['assess'];

/** Native rule level → points on the 0–100 scale, before weights. */
export function rulePoints(alert: Pick<Alert, 'rule'>): { points: number; detail: string } {
  const { level, scale } = alert.rule;
  if (scale === 'wazuh') {
    const l = Math.max(0, Math.min(15, level));
    return { points: Math.round((l / 15) * 70), detail: `Wazuh rule ${alert.rule.id} level ${l} of 15` };
  }
  if (scale === 'suricata') {
    const points = ({ 1: 60, 2: 40, 3: 20 } as Record<number, number>)[level] ?? 10;
    return { points, detail: `Suricata signature ${alert.rule.id} severity ${level} (1 high … 3 low)` };
  }
  if (scale === 'sigma') {
    // informational … critical; a `high` Sigma rule alone reaches HIGH at the default thresholds.
    const l = Math.max(1, Math.min(5, level));
    const points = [10, 25, 40, 55, 70][l - 1]!;
    return { points, detail: `Sigma rule ${alert.rule.id} level ${['informational', 'low', 'medium', 'high', 'critical'][l - 1]}` };
  }
  const l = Math.max(0, Math.min(100, level));
  return { points: Math.round(l * 0.7), detail: `rule ${alert.rule.id} level ${l}` };
}

export class Assessor {
  private readonly assets: Array<{ re: Glob; criticality: keyof AssessConfig['assetPoints']; pattern: string }>;

  constructor(private readonly cfg: AssessConfig) {
    this.assets = cfg.assets.map((a) => ({ re: compileGlob(a.pattern), criticality: a.criticality, pattern: a.pattern }));
  }

  criticalityOf(host: string): { criticality: keyof AssessConfig['assetPoints']; pattern: string } | undefined {
    for (const a of this.assets) if (a.re.test(host)) return a;
    return undefined;
  }

  severityFor(score: number): Severity {
    const t = this.cfg.thresholds;
    if (score >= t.CRITICAL) return 'CRITICAL';
    if (score >= t.HIGH) return 'HIGH';
    if (score >= t.MEDIUM) return 'MEDIUM';
    return 'LOW';
  }

  /**
   * Reasons that depend only on the rule and the host (rule level, asset, rule groups, MITRE): the
   * same for every alert of a rule on a host, so they are worked out once per combination.
   */
  private readonly fixed = new Map<string, { rule: Reason[]; rest: Reason[] }>();

  private fixedReasons(alert: Alert): { rule: Reason[]; rest: Reason[] } {
    const r = alert.rule;
    const aliases = alert.host.aliases ?? [];
    const key = `${r.scale}\u0000${r.id}\u0000${r.level}\u0000${alert.host.name}\u0000${aliases.join('\u0001')}\u0000${r.groups.join('\u0001')}\u0000${r.mitre.ids.join('\u0001')}`;
    let f = this.fixed.get(key);
    if (f) return f;
    const w = this.cfg.weights;
    f = { rule: [], rest: [] };
    const rp = rulePoints(alert);
    pushReason(f.rule, 'rule-level', rp.detail, rp.points, w.ruleLevel);
    // The host's canonical name first, then its other names: a pattern written for the FQDN still applies.
    let asset = this.criticalityOf(alert.host.name);
    for (const a of aliases) asset ??= a.startsWith('id:') ? undefined : this.criticalityOf(a);
    if (asset) {
      pushReason(f.rest, 'asset', `host ${alert.host.name} is ${asset.criticality}-criticality (matches "${asset.pattern}")`, this.cfg.assetPoints[asset.criticality], w.asset);
    }
    for (const g of r.groups) {
      const pts = this.cfg.tags[g];
      if (pts) pushReason(f.rest, 'tag', `rule group "${g}"`, pts, w.tags);
    }
    if (r.mitre.ids.length && this.cfg.mitrePoints) {
      pushReason(f.rest, 'mitre', `maps to MITRE ATT&CK ${r.mitre.ids.join(', ')}`, this.cfg.mitrePoints, w.tags);
    }
    // Bounded: a flood of distinct rule/host pairs clears the cache rather than growing it.
    if (this.fixed.size >= 10_000) this.fixed.clear();
    this.fixed.set(key, f);
    return f;
  }

  /** Scores one alert; `risks` are the unified intel risks of its observables. */
  assess(alert: Alert, risks: readonly ObservableRisk[]): Assessment {
    const fixed = this.fixedReasons(alert);
    const reasons: Reason[] = [...fixed.rule];
    let worst: ObservableRisk | undefined;
    let flagged = 0;
    for (const r of risks) {
      if (r.verdict === 'malicious' || r.verdict === 'suspicious') flagged++;
      if (!worst || r.score > worst.score) worst = r;
    }
    if (worst && worst.score > 0) {
      const more = flagged > 1 ? ` (+${flagged - 1} more flagged observable${flagged > 2 ? 's' : ''})` : '';
      const why = worst.evidence[0] ? `: ${worst.evidence[0]}` : '';
      // Intel can add up to 40 points; a second flagged observable adds a little more, never past 45.
      pushReason(reasons, 'intel', `${worst.type} ${worst.value} is ${worst.verdict} (risk ${worst.score})${why}${more}`, Math.min(45, worst.score * 0.4 + (flagged > 1 ? 5 : 0)), this.cfg.weights.intel);
    }
    for (const r of fixed.rest) reasons.push(r);
    let total = 0;
    for (const r of reasons) total += r.delta;
    const score = Math.max(0, Math.min(100, Math.round(total)));
    return { severity: this.severityFor(score), score, reasons };
  }
}

function pushReason(into: Reason[], factor: string, detail: string, raw: number, weight: number): void {
  const delta = Math.round(raw * weight * 10) / 10;
  if (delta !== 0) into.push({ factor, detail, delta });
}

