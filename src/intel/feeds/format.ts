import type { InputIssue } from '../../core/errors.js';
import type { ObservableType } from '../../core/types.js';

/** One indicator as a feed states it, normalized for lookup. */
export interface Indicator {
  /** ipv4 | ipv6 | cidr | domain | url | email | md5 | sha1 | sha256 | sha512 | asn */
  type: ObservableType;
  /** Normalized value: lower-case hosts and hashes, canonical IPs and CIDRs, normalized URLs. */
  value: string;
  tags: string[];
  /** Malware family, when the feed names one (`Pikabot`, `QakBot`). */
  malware?: string;
  /** What the feed says it is: `botnet_cc`, `payload_delivery`, `phishing`, `spam`, `hijacked-range`, … */
  threat?: string;
  /** 0–100, the feed's confidence where it states one. */
  confidence?: number;
  firstSeen?: string;
  lastSeen?: string;
  /** After this the feed no longer vouches for the indicator. */
  validUntil?: string;
  /** For domains: the entry also covers every subdomain. */
  matchSubdomains?: boolean;
  /** What the feed says about it in words: a MISP event's `info`, a STIX indicator's `name`, an AS name. */
  description?: string;
  /** A link or id to the feed's own page about the indicator. */
  reference?: string;
  /** 1-based line (or record number) in the feed file, for error messages and evidence. */
  line: number;
}

export interface FeedParseResult {
  indicators: Indicator[];
  /** Lines that could not be used: reported with their line number, never fatal. */
  issues: InputIssue[];
  /** Parts of the input the format understood but Vigil cannot use (e.g. STIX pattern parts). */
  unsupported?: InputIssue[];
}

/** A feed file format. One folder under `src/intel/feeds/` per format, listed in `registry.ts`. */
export interface FeedFormat {
  /** Equals the folder name: `feodo`, `urlhaus`, `spamhaus-drop`, … */
  id: string;
  /** A feed's human name when the user gives none (`Feodo Tracker`). */
  label: string;
  description: string;
  /** 0 = not this format, 1 = certainly this format; used by `--format auto`. */
  detect(sample: string, fileName: string): number;
  parse(text: string, ctx: { file: string }): FeedParseResult;
}

export function defineFeedFormat(f: FeedFormat): FeedFormat {
  return f;
}
