import type { IntelResult, Verdict } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { isoFromText } from '../shared.js';
import type { HttpJsonConfig } from './config.js';
import { textsAt, valuesAt } from './path.js';

export const PROVIDER = 'http-json';
const VERDICTS = new Set<Verdict>(['malicious', 'suspicious', 'safe', 'info', 'unknown']);
const SCORE_OF: Record<Verdict, number> = { malicious: 75, suspicious: 40, safe: 0, info: 0, unknown: 0 };

/**
 * The service's answer → the normalized result, through the configured paths. The verdict is the
 * value at `verdict.path` through `verdict.map` (a value the map does not know is `info`: the
 * service said something Vigil cannot grade); the score is the number at `score.path` × `scale`,
 * clamped to 0–100, or the verdict's default. Missing fields are tolerated.
 */
export function mapHttpJson(o: ObservableRef, body: unknown, cfg: HttpJsonConfig): IntelResult {
  let verdict: Verdict = 'unknown';
  const said = cfg.verdict.path ? textsAt(body, cfg.verdict.path, 1)[0] : undefined;
  if (said !== undefined) {
    const mapped = cfg.verdict.map[said] ?? cfg.verdict.map[said.toLowerCase()];
    verdict = mapped ?? (VERDICTS.has(said.toLowerCase() as Verdict) ? (said.toLowerCase() as Verdict) : 'info');
  }
  let score = SCORE_OF[verdict];
  if (cfg.score.path) {
    const n = valuesAt(body, cfg.score.path).find((v) => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)));
    if (n !== undefined) score = Math.max(0, Math.min(100, Math.round(Number(n) * cfg.score.scale)));
  }
  const evidence = cfg.evidence.flatMap((p) => textsAt(body, p)).slice(0, 20);
  if (said !== undefined) evidence.unshift(`${cfg.name} says ${said}${cfg.score.path ? ` (score ${score})` : ''}`);
  else if (!evidence.length) evidence.push(`${cfg.name} gave no verdict`);
  const tags = [...new Set(cfg.tags.flatMap((p) => textsAt(body, p, 20)).map((t) => t.toLowerCase().slice(0, 60)))].slice(0, 20);
  const result: IntelResult = { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict, score, evidence, tags, raw: body };
  const last = cfg.lastSeen ? isoFromText(textsAt(body, cfg.lastSeen, 1)[0]) : undefined;
  if (last) result.lastSeen = last;
  return result;
}

export function notKnown(o: ObservableRef, name: string, status: number): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [`not known to ${name} (HTTP ${status})`], tags: [] };
}
