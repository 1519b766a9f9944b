import type { PhishingConfig } from './config.js';
import { FINDINGS, type FindingId } from './findings.js';
import type { Finding, PhishVerdict } from './types.js';

/**
 * The score is the sum of the findings' weights, clamped to 0–100; the verdict is the band it falls
 * in. `malicious` additionally needs a payload finding (a dangerous attachment, or an indicator
 * intel calls malicious): a pile of phishing signals without a payload stays `phishing`.
 */
export function scoreFindings(findings: readonly Finding[], thresholds: PhishingConfig['thresholds']): { score: number; verdict: PhishVerdict } {
  let sum = 0;
  let payload = false;
  for (const f of findings) {
    sum += f.weight;
    const def = FINDINGS[f.id as FindingId] as { payload?: boolean } | undefined;
    if (def?.payload && f.weight > 0) payload = true;
  }
  const score = Math.max(0, Math.min(100, Math.round(sum)));
  let verdict: PhishVerdict = 'clean';
  if (score >= thresholds.malicious && payload) verdict = 'malicious';
  else if (score >= thresholds.phishing) verdict = 'phishing';
  else if (score >= thresholds.suspicious) verdict = 'suspicious';
  return { score, verdict };
}
