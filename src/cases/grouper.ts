import { INFRASTRUCTURE_PORTS, type VigilConfig } from '../config.js';
import { compileGlob, type Glob } from '../core/glob.js';
import { stableId } from '../core/ids.js';
import { maxSeverity, severityRank, type Alert, type Assessment, type Observable, type Severity } from '../core/types.js';
import { Warninglists } from '../intel/warninglists.js';

/** `cases` in vigil.yaml; `infrastructure` may be left out (nothing configured, default ports). */
export type GroupingConfig = Omit<VigilConfig['cases'], 'infrastructure'> & { infrastructure?: Partial<VigilConfig['cases']['infrastructure']> };

/**
 * What counts as infrastructure: configured addresses and CIDRs, host name patterns, and the server
 * side of infrastructure ports. Its addresses and names are context in alerts, not grouping keys.
 */
export class Infrastructure {
  private readonly addresses: Warninglists;
  private readonly hosts: Glob[];
  readonly ports: ReadonlySet<number>;

  constructor(cfg: GroupingConfig['infrastructure'] = {}) {
    // The allowlist matcher already answers "is this IP in one of these addresses or ranges".
    this.addresses = Warninglists.build({ lists: [], allowlist: cfg.addresses ?? [] });
    this.hosts = (cfg.hosts ?? []).map(compileGlob);
    this.ports = new Set(cfg.ports ?? INFRASTRUCTURE_PORTS);
  }

  /** The host (a canonical name, an FQDN) is infrastructure by name. */
  isHost(name: string): boolean {
    return this.hosts.some((re) => re.test(name));
  }

  /** The address is infrastructure: configured, or seen as the server of an infrastructure port. */
  isAddress(o: Pick<Observable, 'type' | 'value' | 'port'>): boolean {
    if (o.port !== undefined && this.ports.has(o.port)) return true;
    return !this.addresses.empty && this.addresses.match({ type: o.type, value: o.value }) !== undefined;
  }
}

function isAddress(o: Observable): boolean {
  return o.type === 'ipv4' || o.type === 'ipv6';
}

interface KeySpan {
  caseId: string;
  first: number;
  last: number;
}

const MAX_SPANS_PER_KEY = 16;

/**
 * Accounts present on every host and in every kind of log: grouping by them would join unrelated
 * alerts, so `user` grouping ignores them (compared lower-cased, with any `DOMAIN\` part dropped).
 */
const SHARED_ACCOUNTS = new Set(['root', 'system', 'administrator', 'admin', 'nobody', 'www-data', 'local service', 'network service', 'anonymous logon', 'guest', '-', 'n/a', 'unknown', '(unknown)']);

function userKey(value: string): string | undefined {
  const v = value.trim().toLowerCase();
  const bare = v.includes('\\') ? v.slice(v.lastIndexOf('\\') + 1) : v;
  return v && !SHARED_ACCOUNTS.has(bare) && !bare.endsWith('$') ? `u:${v}` : undefined;
}

/** What the grouper knows of an open case. */
export interface OpenCase {
  id: string;
  severity: Severity;
  score: number;
  title: string;
  assessment: Assessment;
  firstAlertAt: number;
  lastAlertAt: number;
  alertCount: number;
  hosts: Set<string>;
}

export interface CaseChange {
  caseId: string;
  /** True when this alert opened the case. */
  opened: boolean;
  /** True when this alert raised the case's severity. */
  escalated: boolean;
  /** Keys the alert brought (for the store's case_keys). */
  keys: string[];
  /** Why the alert joined an existing case (the shared key), for the timeline. */
  joinedBy?: string;
}

/** Human wording of a grouping key, for the case timeline. */
export function describeKey(key: string): string {
  const [kind, ...rest] = key.split(':');
  if (kind === 'o') return `shares ${rest[0]} ${rest.slice(1).join(':')}`;
  if (kind === 'r') return `same rule ${rest.join(':')}`;
  if (kind === 'h') return `same host ${rest.join(':')}`;
  if (kind === 'u') return `same user ${rest.join(':')}`;
  return key;
}

/**
 * Decides which case an alert belongs to. Alerts that share a key (an observable, a rule, a host, a user —
 * whichever `groupBy` lists) with an open case whose last alert is within the window join it;
 * otherwise they open a new case. Pure and in-memory: the runner seeds it from the store and
 * persists what it returns, so the same code serves the embedded run and the workers.
 */
export class CaseGrouper {
  /**
   * key → the cases that carried it and the span of alert times (ms) it had in each. Spans, not just
   * the latest case, so alerts read out of time order (one file after another) still find their case.
   */
  private readonly index = new Map<string, KeySpan[]>();
  readonly cases = new Map<string, OpenCase>();
  private readonly observableTypes: Set<string>;

  private readonly infra: Infrastructure;

  constructor(private readonly cfg: GroupingConfig) {
    this.observableTypes = new Set(cfg.groupObservableTypes);
    this.infra = new Infrastructure(cfg.infrastructure);
  }

  /** Seeds an open case and its keys from the store. */
  seed(c: OpenCase, keys: Array<{ key: string; firstSeen: number; lastSeen: number }>): void {
    this.cases.set(c.id, c);
    for (const k of keys) this.remember(k.key, c.id, k.firstSeen, k.lastSeen);
  }

  private remember(key: string, caseId: string, first: number, last: number): void {
    let spans = this.index.get(key);
    if (!spans) this.index.set(key, (spans = []));
    const span = spans.find((s) => s.caseId === caseId);
    if (span) {
      span.first = Math.min(span.first, first);
      span.last = Math.max(span.last, last);
      return;
    }
    spans.push({ caseId, first, last });
    // A key shared by many cases (a scanner hitting everything for days) keeps only its recent spans.
    if (spans.length > MAX_SPANS_PER_KEY) {
      spans.sort((a, b) => b.last - a.last);
      spans.length = MAX_SPANS_PER_KEY;
    }
  }

  /**
   * The keys an alert brings. Internal addresses name hosts, so they group as hosts (`h:10.0.4.42`):
   * an agent's own address stands beside its name, and a network sensor's private endpoints are the
   * hosts its alert is about. What an agent reports about other internal machines (the clients a
   * domain controller sees, the admin's jump host) is context, and so is infrastructure
   * (`cases.infrastructure`) wherever it appears: these would chain unrelated activity into one case.
   */
  keysOf(alert: Alert): string[] {
    const keys: string[] = [];
    const sensor = alert.host.role === 'sensor';
    for (const by of this.cfg.groupBy) {
      // A network sensor's name says where traffic was seen, not which asset is involved.
      if (by === 'host') {
        if (sensor) continue;
        const name = alert.host.name.toLowerCase();
        keys.push(`h:${name}`);
        if (this.infra.isHost(name)) continue;
        for (const o of alert.observables) {
          if (isAddress(o) && o.scope === 'private' && this.isOwn(alert, o) && !this.infra.isAddress(o)) keys.push(`h:${o.value}`);
        }
      } else if (by === 'rule') keys.push(`r:${alert.source}:${alert.rule.id}`);
      else if (by === 'user') {
        for (const o of alert.observables) {
          if (o.type !== 'user') continue;
          const k = userKey(o.value);
          if (k) keys.push(k);
        }
      } else {
        for (const o of alert.observables) {
          // Loopback and other reserved addresses appear in unrelated logs everywhere: they link nothing.
          if (!this.observableTypes.has(o.type) || o.scope === 'reserved') continue;
          if (isAddress(o)) {
            if (this.infra.isAddress(o)) continue;
            if (o.scope === 'private') {
              if (sensor && !this.isOwn(alert, o)) keys.push(`h:${o.value}`);
              continue;
            }
          } else if ((o.type === 'domain' || o.type === 'host') && this.infra.isHost(o.value)) continue;
          keys.push(`o:${o.type}:${o.value}`);
        }
      }
    }
    return keys.length > 1 ? [...new Set(keys)] : keys;
  }

  /** The observable is an address of the alert's own host (agent, manager or sensor). */
  private isOwn(alert: Alert, o: Observable): boolean {
    return o.role === 'host' || o.value === alert.host.ip;
  }

  assign(alert: Alert, assessment: Assessment): CaseChange {
    const t = Date.parse(alert.time);
    const keys = this.keysOf(alert);
    let best: OpenCase | undefined;
    let bestKey: string | undefined;
    const w = this.cfg.window;
    for (const k of keys) {
      for (const span of this.index.get(k) ?? []) {
        if (t < span.first - w || t > span.last + w) continue;
        const c = this.cases.get(span.caseId);
        if (!c || Math.max(c.lastAlertAt, t) - Math.min(c.firstAlertAt, t) > this.cfg.maxAge) continue;
        // Prefer the most severe candidate, then the most recently active one.
        if (!best || severityRank(c.severity) > severityRank(best.severity) || (c.severity === best.severity && c.lastAlertAt > best.lastAlertAt)) {
          best = c;
          bestKey = k;
        }
      }
    }
    let opened = false;
    let escalated = false;
    if (!best) {
      opened = true;
      best = {
        id: stableId('case', alert.id),
        severity: assessment.severity,
        score: assessment.score,
        title: caseTitle(alert),
        assessment,
        firstAlertAt: t,
        lastAlertAt: t,
        alertCount: 0,
        hosts: new Set(),
      };
      this.cases.set(best.id, best);
    } else if (assessment.score > best.score) {
      escalated = severityRank(assessment.severity) > severityRank(best.severity);
      best.severity = maxSeverity(best.severity, assessment.severity);
      best.score = assessment.score;
      best.assessment = assessment;
      best.title = caseTitle(alert);
    }
    best.alertCount++;
    best.hosts.add(alert.host.name);
    best.firstAlertAt = Math.min(best.firstAlertAt, t);
    best.lastAlertAt = Math.max(best.lastAlertAt, t);
    for (const k of keys) this.remember(k, best.id, t, t);
    return { caseId: best.id, opened, escalated, keys, ...(bestKey !== undefined && !opened && { joinedBy: bestKey }) };
  }
}

/** `<what happened> on <host>` (or `seen by <sensor>`), naming the attacker when the alert has a public source address. */
export function caseTitle(alert: Alert): string {
  const src = alert.observables.find((o) => o.role === 'src' && o.scope === 'public');
  const from = src && !alert.title.includes(src.value) ? ` from ${src.value}` : '';
  const where = alert.host.role === 'sensor' ? `seen by ${alert.host.name}` : `on ${alert.host.name}`;
  return `${alert.title}${from} ${where}`.slice(0, 300);
}
