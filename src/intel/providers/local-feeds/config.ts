import { z } from 'zod';

/** Score (0–100) a listing earns by the threat its feed names, before confidence is applied. */
export const DEFAULT_THREAT_SCORES: Readonly<Record<string, number>> = {
  botnet_cc: 90,
  payload_delivery: 85,
  payload: 85,
  malware_download: 85,
  phishing: 80,
  'malicious-activity': 80,
  'hijacked-range': 75,
  'malicious-asn': 70,
  network_activity: 70,
  compromised: 60,
  'anomalous-activity': 40,
  spam: 40,
  anonymization: 30,
  benign: 0,
};

/** Config of the `local-feeds` intel provider (`intel.providers.local-feeds` in vigil.yaml). */
export const LocalFeedsConfig = z.strictObject({
  /** Set to false to stop answering from the local IOC database. */
  enabled: z.boolean().default(true),
  /** Score per feed threat type (`botnet_cc`, `phishing`, …), merged over the defaults. */
  threatScores: z.record(z.string(), z.number().min(0).max(100)).default({}),
  /** Score of a listing whose feed names no threat, or one not in `threatScores`. */
  defaultScore: z.number().min(0).max(100).default(60),
  /** A score at or above this is `malicious`; any lower non-zero score is `suspicious`. */
  maliciousAt: z.number().min(0).max(100).default(70),
  /** Points added for each further feed that lists the observable (sources agreeing). */
  perExtraFeed: z.number().min(0).max(50).default(5),
  /**
   * A domain or address that is not listed itself but hosts listed URLs inherits their score times
   * this factor (0 turns it off): `pkg-mirror-update.xyz` is suspect when URLhaus lists two payloads on it.
   */
  urlHostFactor: z.number().min(0).max(1).default(0.7),
  /** Ignore listings whose `validUntil` has passed (they are still mentioned as expired). */
  ignoreExpired: z.boolean().default(true),
  /** Evidence lines shown at most; the rest are counted in one line. */
  maxEvidence: z.number().int().min(1).max(100).default(10),
});
export type LocalFeedsConfig = z.infer<typeof LocalFeedsConfig>;
