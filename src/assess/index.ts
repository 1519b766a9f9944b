import type { VigilConfig } from '../config.js';
import { SEVERITIES, type Alert, type Assessment, type Reason, type Severity, type Verdict } from '../core/types.js';
import { globToRegExp } from '../core/glob.js';

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
  const l = Math.max(0, Math.min(100, level));
  return { points: Math.round(l * 0.7), detail: `rule ${alert.rule.id} level ${l}` };
}

export class Assessor {
  private readonly assets: Array<{ re: RegExp; criticality: keyof AssessConfig['assetPoints']; pattern: string }>;

  constructor(private readonly cfg: AssessConfig) {
    this.assets = cfg.assets.map((a) => ({ re: globToRegExp(a.pattern), criticality: a.criticality, pattern: a.pattern }));
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

  /** Scores one alert; `risks` are the unified intel risks of its observables. */
  assess(alert: Alert, risks: readonly ObservableRisk[]): Assessment {
    const w = this.cfg.weights;
    const reasons: Reason[] = [];
    const push = (factor: string, detail: string, raw: number, weight: number): void => {
      const delta = Math.round(raw * weight * 10) / 10;
      if (delta !== 0) reasons.push({ factor, detail, delta });
    };
    const rp = rulePoints(alert);
    push('rule-level', rp.detail, rp.points, w.ruleLevel);

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
      push('intel', `${worst.type} ${worst.value} is ${worst.verdict} (risk ${worst.score})${why}${more}`, Math.min(45, worst.score * 0.4 + (flagged > 1 ? 5 : 0)), w.intel);
    }

    const asset = this.criticalityOf(alert.host.name);
    if (asset) {
      push('asset', `host ${alert.host.name} is ${asset.criticality}-criticality (matches "${asset.pattern}")`, this.cfg.assetPoints[asset.criticality], w.asset);
    }

    for (const g of alert.rule.groups) {
      const pts = this.cfg.tags[g];
      if (pts) push('tag', `rule group "${g}"`, pts, w.tags);
    }
    if (alert.rule.mitre.ids.length && this.cfg.mitrePoints) {
      push('mitre', `maps to MITRE ATT&CK ${alert.rule.mitre.ids.join(', ')}`, this.cfg.mitrePoints, w.tags);
    }

    const total = reasons.reduce((s, r) => s + r.delta, 0);
    const score = Math.max(0, Math.min(100, Math.round(total)));
    return { severity: this.severityFor(score), score, reasons };
  }
}

export { SEVERITIES };
