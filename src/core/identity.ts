// One identity per host. Alerts name a machine in several ways: a Wazuh agent `ws-042`, the Windows
// event's `ws-042.corp.northwind.internal`, upper case from one tool and lower case from another, an
// agent id. Grouping, tasks, containment targets and reports must all see one host, so the pipeline
// turns every alert's host into its canonical name here and keeps the other spellings as aliases.
// Pure and in-memory: what it learns (a domain suffix an alert showed to be the estate's, an agent
// id's name) only ever ties names together, so two processes that learned different amounts still
// never split one host in two; configure `assets.domains` for the same answer everywhere from the start.
import { isIP } from 'node:net';

/** A host as a source names it. */
export interface HostNames {
  name: string;
  /** The agent or host id the source gives (Wazuh agent id, ECS `host.id`). */
  id?: string;
  /** Other names the same alert gives the host (an FQDN beside a short name). */
  aliases?: readonly string[];
}

/** A host's canonical identity and the other names it was seen under. */
export interface HostIdentity {
  /** Canonical name: lower case, short name when the domain is the estate's, an IP as written. */
  name: string;
  /** The other spellings, as first seen (FQDNs, other cases), and `id:<agent id>`. Never holds `name`. */
  aliases: string[];
}

const MAX_LEARNED = 10_000;

/** Lower case, trimmed, without a trailing dot; IPv6 lower case; empty for nothing usable. */
function clean(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1);
  return n;
}

/**
 * The estate's host identities. `canonical` answers for one name; `resolve` does the same for an
 * alert's host and learns from it: an alert naming a host both `ws-042` and `ws-042.corp.example`
 * shows `corp.example` to be an estate domain, so `db-01.corp.example` is `db-01` from then on.
 */
export class HostIdentities {
  private readonly domains: Set<string>;
  private readonly byId = new Map<string, string>();

  /** @param domains the estate's DNS / AD domains (`assets.domains`): `<host>.<domain>` is `<host>`. */
  constructor(domains: readonly string[] = []) {
    this.domains = new Set(domains.map(clean).filter(Boolean));
  }

  /** The domains known so far (configured first, then learned). */
  get knownDomains(): string[] {
    return [...this.domains];
  }

  /**
   * The canonical name of one host name: lower case without a trailing dot; `<label>.<estate domain>`
   * becomes `<label>`; IP addresses stay as they are (lower case for IPv6).
   */
  canonical(name: string): string {
    const n = clean(name);
    if (!n || isIP(n)) return n;
    const dot = n.indexOf('.');
    if (dot <= 0) return n;
    // Only a single label before an estate domain is a short name (`a.b.corp.example` stays whole).
    return this.domains.has(n.slice(dot + 1)) ? n.slice(0, dot) : n;
  }

  /**
   * Every name a canonical host may be written as: itself and `<name>.<domain>` for each estate domain.
   * What name patterns (containment allowlists, asset criticality) are matched against, so that
   * `*.corp.example` keeps matching `dc-01` once it is known as that.
   */
  namesOf(name: string): string[] {
    const n = this.canonical(name);
    if (!n || n.includes('.') || isIP(n)) return [n];
    return [n, ...[...this.domains].slice(0, 50).map((d) => `${n}.${d}`)];
  }

  /** Whether two names are the same host. */
  same(a: string, b: string): boolean {
    return this.canonical(a) === this.canonical(b);
  }

  /**
   * The identity of an alert's host. A short name and an FQDN of the same alert that share the first
   * label are one host (and the FQDN's domain is learned as the estate's); an agent id seen before
   * with a name stands for that name when the alert's own name is missing (`unknown`).
   */
  resolve(h: HostNames): HostIdentity {
    const names = [h.name, ...(h.aliases ?? [])].map((x) => x.trim()).filter((x) => x !== '' && x !== '-');
    for (const a of names) {
      const ca = clean(a);
      const dot = ca.indexOf('.');
      if (dot <= 0 || isIP(ca)) continue;
      const label = ca.slice(0, dot);
      if (names.some((b) => clean(b) === label)) this.learnDomain(ca.slice(dot + 1));
    }
    const id = h.id?.trim();
    let name = this.canonical(h.name);
    if ((!name || name === 'unknown') && id) name = this.byId.get(id) ?? name;
    if (!name) name = 'unknown';
    if (id && name !== 'unknown' && !this.byId.has(id) && this.byId.size < MAX_LEARNED) this.byId.set(id, name);
    const aliases: string[] = [];
    for (const a of names) {
      if (a.toLowerCase() !== name && !aliases.includes(a)) aliases.push(a);
    }
    if (id && !aliases.includes(`id:${id}`)) aliases.push(`id:${id}`);
    return { name, aliases };
  }

  private learnDomain(d: string): void {
    if (d && !this.domains.has(d) && this.domains.size < MAX_LEARNED) this.domains.add(d);
  }
}

/** Canonical name of a host with the configured domains only (no learning): what config-time code needs. */
export function canonicalHost(name: string, domains: readonly string[] = []): string {
  return new HostIdentities(domains).canonical(name);
}
