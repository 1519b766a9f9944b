import { z } from 'zod';
import { DEFAULT_ABUSED_HOSTING, DEFAULT_BRANDS, DEFAULT_FREEMAIL, DEFAULT_LURES, DEFAULT_SHORTENERS, DEFAULT_SUSPICIOUS_TLDS } from './defaults.js';
import { FINDINGS } from './findings.js';

const lowerList = (def: readonly string[]) => z.array(z.string().min(1).max(253).transform((s) => s.trim().toLowerCase())).default([...def]);

const Brand = z.strictObject({
  name: z.string().min(1),
  /** Registrable domains that really belong to the brand. */
  domains: z.array(z.string().min(3).transform((s) => s.toLowerCase())).min(1),
  /** Whole words naming the brand in a display name or text (default: the name, lower-cased). */
  words: z.array(z.string().min(2).transform((s) => s.toLowerCase())).optional(),
  /** Fragments (≥ 4 characters) naming the brand inside a domain label. */
  fragments: z.array(z.string().min(4).transform((s) => s.toLowerCase())).optional(),
});

/** `phishing:` in vigil.yaml. Every field has a default; docs/phishing.md explains each. */
export const PhishingConfigSchema = z.strictObject({
  /** Points per finding id (log-odds × 10), replacing the fitted contribution (0 switches a finding off; negative lowers the probability). */
  weights: z
    .record(z.string(), z.number().min(-100).max(100))
    .default({})
    .superRefine((w, ctx) => {
      for (const id of Object.keys(w)) {
        if (!(id in FINDINGS)) ctx.addIssue({ code: 'custom', path: [id], message: `unknown finding id "${id}" (docs/phishing.md lists them)` });
      }
    }),
  /**
   * Probability in percent (0–100) at which each verdict starts, replacing the fitted model's bands
   * (docs/phishing.md, "Model"); below `suspicious` is `clean`.
   */
  thresholds: z
    .strictObject({
      suspicious: z.number().min(1).max(100).optional(),
      phishing: z.number().min(1).max(100).optional(),
      /** `malicious` also needs a payload finding (dangerous attachment, or an indicator intel calls malicious); default: the phishing band. */
      malicious: z.number().min(1).max(100).optional(),
    })
    .prefault({})
    .refine((t) => (t.suspicious ?? 0) <= (t.phishing ?? 100) && (t.phishing ?? 0) <= (t.malicious ?? 100), { message: 'thresholds must rise: suspicious ≤ phishing ≤ malicious' }),
  /** Which categories open a case (vigil phish --case, the API's case=true) when the verdict is phishing or worse. */
  caseCategories: z.array(z.enum(['phishing', 'bec-fraud', 'malware', 'spam', 'ham'])).default(['phishing', 'bec-fraud', 'malware']),
  /** The organisation's own domains: mail claiming them is checked for spoofing, and lookalikes of them are flagged. */
  protectedDomains: lowerList([]),
  /** Use the built-in list of commonly impersonated brands (docs/phishing.md). */
  defaultBrands: z.boolean().default(true),
  /** More brands to protect, added to (or, with defaultBrands: false, instead of) the built-in list. */
  brands: z.array(Brand).default([]),
  /** Lure wording per category, matched as whole words in the subject and visible text. */
  lures: z
    .strictObject({
      urgency: lowerList(DEFAULT_LURES.urgency),
      credential: lowerList(DEFAULT_LURES.credential),
      payment: lowerList(DEFAULT_LURES.payment),
      reward: lowerList(DEFAULT_LURES.reward),
      advanceFee: lowerList(DEFAULT_LURES.advanceFee),
      bec: lowerList(DEFAULT_LURES.bec),
      invoice: lowerList(DEFAULT_LURES.invoice),
      payroll: lowerList(DEFAULT_LURES.payroll),
    })
    .prefault({}),
  shorteners: lowerList(DEFAULT_SHORTENERS),
  freemail: lowerList(DEFAULT_FREEMAIL),
  /** Host suffixes of free hosting / form services (a link there is a weak signal). */
  abusedHosting: lowerList(DEFAULT_ABUSED_HOSTING),
  suspiciousTlds: lowerList(DEFAULT_SUSPICIOUS_TLDS),
  /**
   * authserv-ids whose Authentication-Results are trusted (your own MX, e.g. `mx.example.com`).
   * Empty: the topmost Authentication-Results header is used, since the receiving server adds it last.
   */
  trustedAuthservIds: lowerList([]),
  /** Host-name suffixes of your own relays, so the Received chain knows where "external" starts. */
  internalRelays: lowerList([]),
  limits: z
    .strictObject({
      /** Largest message analysed; the rest of a larger one is cut off (and reported). */
      maxBytes: z.number().int().positive().default(25 * 1024 * 1024),
      /** Most MIME parts parsed; later parts are cut off. */
      maxParts: z.number().int().positive().default(1000),
      /** Deepest MIME nesting parsed. */
      maxDepth: z.number().int().positive().max(256).default(30),
      /** Deepest attached e-mail (message/rfc822) opened. */
      maxMessageDepth: z.number().int().min(0).max(10).default(3),
      /** HTML/text analysed per body (links, forms, wording). */
      maxBodyChars: z.number().int().positive().default(2 * 1024 * 1024),
      /** Links kept per message. */
      maxLinks: z.number().int().positive().default(500),
      /** Archive entries listed per archive. */
      maxArchiveEntries: z.number().int().positive().default(1000),
    })
    .prefault({}),
  dns: z
    .strictObject({
      /**
       * DNS server (`1.1.1.1`, `127.0.0.1:5353`) for DKIM key, SPF and DMARC lookups. Unset (the
       * default): nothing is looked up and results are reported as "not verified".
       */
      resolver: z.string().optional(),
      timeoutMs: z.number().int().positive().default(3000),
    })
    .prefault({}),
});

export type PhishingConfig = z.infer<typeof PhishingConfigSchema>;
export type BrandConfig = z.infer<typeof Brand>;

/** The defaults, for callers without a loaded vigil.yaml (tests, the benchmark). */
export function defaultPhishingConfig(): PhishingConfig {
  return PhishingConfigSchema.parse({});
}

export { DEFAULT_BRANDS };
