import type { IpScope, ObservableType } from '../core/types.js';
import type { DecodeLayer } from './decode.js';

export type { DecodeLayer } from './decode.js';

/** Every indicator type the extractor returns, in output order. Names match the core observable types. */
export const IOC_TYPES = [
  'ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email',
  'md5', 'sha1', 'sha256', 'sha512',
  'cve', 'attack', 'asn', 'registry', 'filepath', 'btc', 'eth',
] as const satisfies readonly ObservableType[];

/** One indicator type. */
export type IocType = (typeof IOC_TYPES)[number];

/** How the input is read. `auto` picks JSON or HTML by its first characters, else plain text. */
export type InputKind = 'auto' | 'text' | 'html' | 'json';

/** Options for {@link extractIocs} and {@link extractIocsFromText}. */
export interface ExtractOptions {
  /** Types to return; all when omitted. Other types are still recognised so they cannot be mistaken for these. */
  types?: readonly IocType[];
  /** Recognise defanged forms (`hxxp`, `[.]`, `(at)`, …) and return them refanged. Default true. */
  refang?: boolean;
  /** Return private and reserved IP addresses and ranges (RFC 1918, loopback, documentation, …). Default true. */
  privateIps?: boolean;
  /**
   * Accept a domain only when its suffix is on the ICANN section of the public suffix list. Default true.
   * When false, any alphabetic TLD of two or more letters is accepted, except common file extensions.
   */
  strictTld?: boolean;
  /** How to read a string input (ignored for non-string inputs, which are walked as JSON values). Default `auto`. */
  kind?: InputKind;
  /**
   * Decode what is not written plainly and extract from it too: PowerShell `-EncodedCommand`,
   * `FromBase64String('…')` and base64 URLs, percent-encoded URLs, and rewritten links (Safe Links,
   * URL Defense, Mimecast, redirectors). Such indicators carry their `layers`. Default true.
   */
  decode?: boolean;
  /**
   * Warninglist lookup (for example the intel module's): return the list's name when the value is on one.
   * Called once per unique value.
   */
  warninglist?: (type: IocType, value: string) => string | undefined;
}

/** One place an indicator was found. */
export interface IocOccurrence {
  /**
   * Offsets (UTF-16 code units, end exclusive) into the original input for text and HTML: `input.slice(start, end)`
   * is `raw`. For JSON they index the decoded string value at `context` (the field path).
   */
  start: number;
  end: number;
  /** The text as it appeared, defanged or not. */
  raw: string;
  /** True when the text was defanged (the refanged value differs from what was written, case aside). */
  defanged: boolean;
  /** JSON: the field path (`data.urls[2]`). HTML: `tag@attribute` for attribute values, absent for text. */
  context?: string;
  /**
   * Found by decoding: the layers undone, outermost first (`['powershell-enc']`, `['safelinks',
   * 'urldefense-v3']`). The span is then the encoded text's (the base64 blob, the wrapping link).
   */
  layers?: DecodeLayer[];
  /** Unwrapped from a rewritten link: the wrapping URL (itself reported as a `url` too). */
  wrapper?: string;
}

/** One unique indicator with every place it was found. */
export interface Ioc {
  type: IocType;
  /**
   * The normalized value: refanged; lower-cased for case-insensitive types (domains, emails, hashes, IPv6,
   * URL scheme and host); domains in punycode; IPv4 octets without leading zeros; CVE and ASN upper-cased.
   */
  value: string;
  occurrences: IocOccurrence[];
  /** IPs and CIDR ranges: where the address (the network address for CIDR) sits. */
  scope?: IpScope;
  /** Domains, URLs and emails: the registrable domain of the host (`www.example.co.uk` → `example.co.uk`). */
  registrableDomain?: string;
  /** Internationalised domains: the Unicode form of `value`. */
  unicode?: string;
  /** The name of the warninglist the value is on, when a lookup was given and it matched. */
  warninglist?: string;
}

/** Every type's indicators in order of first appearance; types not requested have empty arrays. */
export type IocResult = Record<IocType, Ioc[]>;

/** One match from the hot-path helper: flat, in input order, not deduplicated. */
export interface IocHit {
  type: IocType;
  value: string;
  /** Offsets into the text given (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
  defanged: boolean;
  scope?: IpScope;
  registrableDomain?: string;
  unicode?: string;
  /** Found by decoding: the layers undone, outermost first (see {@link IocOccurrence.layers}). */
  layers?: DecodeLayer[];
  /** Unwrapped from a rewritten link: the wrapping URL. */
  wrapper?: string;
}
