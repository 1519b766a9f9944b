import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Duration } from './core/clock.js';
import { describeZodIssues, VigilError } from './core/errors.js';
import { Severity } from './core/types.js';
import { parseYaml, yamlLineOf } from './core/yaml.js';
import { allowlistEntryProblem, BUILTIN_WARNINGLISTS } from './intel/warninglists.js';
import { NotifyConfig } from './notify/config.js';
import { LiveSourcesSchema, resolveSourcePaths } from './sources/live/config.js';
import { PhishingConfigSchema } from './phishing/config.js';
import { actionSettingsIssues } from './playbooks/settings.js';
import { TheHiveConfig } from './api/thehive/config.js';

/** The installed package's root: defaults point at its bundled samples. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const Criticality = z.enum(['low', 'medium', 'high', 'critical']);

export const FeedConfig = z.strictObject({
  /** A feed file, or a folder whose files are each imported (format detected per file). */
  path: z.string(),
  /** Format id (`feodo`, `urlhaus`, …) or `auto` to detect by content. */
  format: z.string().default('auto'),
  /** Display name used in evidence lines; defaults to the format's label. */
  name: z.string().optional(),
});

/** Ports whose server side is shared infrastructure: DNS, DHCP, Kerberos, NTP, NetBIOS, LDAP, global catalog, syslog, Wazuh, Squid. */
export const INFRASTRUCTURE_PORTS: readonly number[] = [53, 67, 68, 88, 123, 137, 138, 389, 464, 514, 636, 1514, 1515, 3128, 3268, 3269];

/** A string `problem` has nothing to say about (it returns why a value cannot be used). */
function checkedString(problem: (v: string) => string | undefined): z.ZodString {
  return z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

function infrastructureAddressProblem(v: string): string | undefined {
  const problem = allowlistEntryProblem(v);
  if (problem || !/^[0-9a-f:.]+(\/\d{1,3})?$/i.test(v.trim())) return `"${v}" is not an IP address or CIDR range`;
  return undefined;
}

/** An http(s) origin with an optional path, kept without its trailing slash so links append `/cases/3`. */
const PublicUrl = z
  .string()
  .regex(/^https?:\/\/[^\s<>|?#]+$/, 'must be an http(s) URL without spaces, query or fragment (https://vigil.example.org)')
  .refine((u) => URL.canParse(u) && !new URL(u).username && !new URL(u).password, 'must be a valid URL without credentials')
  .transform((u) => u.replace(/\/+$/, ''));

export const ConfigSchema = z.strictObject({
  /** Where `vigil run` writes actions, outbox messages and reports. */
  out: z.string().default('vigil-out'),
  /** Folder of the embedded store (PGlite) when no database URL is set. */
  dataDir: z.string().default('.vigil'),
  database: z
    .strictObject({
      /** PostgreSQL connection URL; set it (or VIGIL_DATABASE_URL) to use PostgreSQL instead of the embedded store. */
      url: z.string().optional(),
    })
    .prefault({}),
  /** Scale-out: `vigil serve` and `vigil worker` over NATS JetStream (docs/scaling.md). */
  bus: z
    .strictObject({
      /** NATS server URL(s), comma-separated; set it (or VIGIL_NATS_URL) together with database.url to run distributed. */
      url: z.string().optional(),
      /** Names the streams (`VIGIL_INGEST`, …) and subjects (`vigil.ingest.<p>`, …): one prefix per deployment sharing a NATS. */
      prefix: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _, starting with a letter (at most 32)').default('vigil'),
      /** Partitions of the ordered stages (detect+enrich, case): at most one worker owns each at a time. Change only on an empty bus. */
      partitions: z.number().int().min(1).max(256).default(8),
      /** Records per ingest message at most. */
      batchRecords: z.number().int().min(1).max(5000).default(500),
      /** The ingest stream's size limit: past it, ingest answers 503 with Retry-After instead of taking more. */
      maxIngestBytes: z.number().int().min(1024).default(1024 * 1024 * 1024),
      /** Seconds a client is told to wait (Retry-After) when the ingest stream is full. */
      retryAfter: z.number().int().min(1).max(3600).default(5),
      /** How long a worker may hold a message without acking before JetStream gives it to another. */
      ackWait: Duration.default(30_000),
      /** Deliveries of one message before it goes to the dead-letter stream. */
      maxDeliver: z.number().int().min(1).max(100).default(5),
      /** Publishes with the same message id within this window are stored once. */
      duplicateWindow: Duration.default(120_000),
      /** Stream replicas on a NATS cluster (1 on a single server). */
      replicas: z.number().int().min(1).max(5).default(1),
      /** How often a worker re-checks its share of the partitions. */
      rebalance: Duration.default(5_000),
      /** How often a worker saves the correlation windows of the partitions it owns. */
      snapshotEvery: Duration.default(10_000),
    })
    .prefault({}),
  /** Sanity limits every feed import applies (src/intel/feed-sanity.ts, docs/feeds.md). */
  feedLimits: z
    .strictObject({
      /** Shortest IPv4 prefix a feed entry may have: shorter ranges are quarantined. */
      minPrefixV4: z.number().int().min(0).max(32).default(8),
      /** Shortest IPv6 prefix a feed entry may have. */
      minPrefixV6: z.number().int().min(0).max(128).default(16),
      /** Accept private, loopback, link-local, multicast and other non-public ranges in feeds. */
      allowPrivate: z.boolean().default(false),
      /** A feed more than this many times larger or smaller than its last good copy is refused whole (sizes counted from 100). */
      maxSizeRatio: z.number().min(1).default(10),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /**
       * The address people and other systems reach Vigil at (`https://vigil.example.org`, or with a
       * path prefix behind a proxy): the one source of links back to Vigil (notifications, reports).
       */
      publicUrl: PublicUrl.optional(),
      /** Serve HTTPS with these PEM files; `kill -HUP` re-reads them without closing the listener (docs/deploy.md). */
      tls: z
        .strictObject({
          /** File of the certificate chain (PEM), leaf first. */
          certFile: z.string().min(1),
          /** File of the certificate's private key (PEM). */
          keyFile: z.string().min(1),
          /** Also listen on this port with plain HTTP that answers every request with a redirect to HTTPS. */
          redirectPort: z.number().int().min(0).max(65535).optional(),
        })
        .optional(),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn') }).prefault({}),
  input: z
    .strictObject({
      /** Longest accepted input line in bytes; longer lines are reported and skipped. */
      maxLineBytes: z.number().int().positive().default(1_048_576),
    })
    .prefault({}),
  /** Feed files loaded into the local IOC database at start (re-imported when their content changes). */
  feeds: z.array(FeedConfig).default([{ path: join(PACKAGE_ROOT, 'samples/feeds'), format: 'auto' }]),
  /** Live sources run by `vigil serve`: `{name, type: file-follow|opensearch|elasticsearch|syslog, …}` (docs/sources.md). */
  sources: LiveSourcesSchema.default([]),
  intel: z
    .strictObject({
      /** Per-provider settings, keyed by provider id; each provider validates its own. */
      providers: z.record(z.string(), z.unknown()).default({}),
      /** Unified risk: multiplier per provider id (default 1). */
      weights: z.record(z.string(), z.number().min(0)).default({}),
      /** Unified risk: points added for each further provider that flags an observable. */
      agreementBonus: z.number().min(0).max(50).default(10),
      /**
       * Unified risk: evidence about addresses, names and URLs last seen more than `freshDays` ago
       * counts less, down to `staleFactor` at `staleDays` (file hashes never go stale); `false` turns it off.
       */
      freshness: z
        .union([
          z.literal(false),
          z.strictObject({
            freshDays: z.number().min(0).default(180),
            staleDays: z.number().min(0).default(730),
            staleFactor: z.number().min(0).max(1).default(0.5),
          }),
        ])
        .prefault({}),
      /** Built-in warninglists in use: values on them never score as malicious (docs/intel.md). */
      warninglists: z.array(z.enum(BUILTIN_WARNINGLISTS)).default([...BUILTIN_WARNINGLISTS]),
      /** The team's known-good values (IPs, CIDRs, domains — `*.corp.example` for subdomains —, URLs, hashes, emails): never scored as malicious. */
      allowlist: z.array(checkedString(allowlistEntryProblem)).default([]),
    })
    .prefault({}),
  assess: z
    .strictObject({
      /** Score at which each band starts (LOW below MEDIUM). */
      thresholds: z
        .strictObject({ MEDIUM: z.number().default(30), HIGH: z.number().default(55), CRITICAL: z.number().default(80) })
        .prefault({}),
      /** Multipliers applied to each factor's points. */
      weights: z
        .strictObject({
          ruleLevel: z.number().default(1),
          intel: z.number().default(1),
          asset: z.number().default(1),
          tags: z.number().default(1),
        })
        .prefault({}),
      /** Host name patterns (`*` wildcard, first match wins) → asset criticality. */
      assets: z.array(z.strictObject({ pattern: z.string(), criticality: Criticality })).default([]),
      /** Points per criticality of the alert's host. */
      assetPoints: z
        .strictObject({ low: z.number().default(-5), medium: z.number().default(0), high: z.number().default(10), critical: z.number().default(20) })
        .prefault({}),
      /** Rule groups/tags → points (e.g. `authentication_success: 10`). */
      tags: z.record(z.string(), z.number()).default({}),
      /** Points when the rule maps to a MITRE ATT&CK technique. */
      mitrePoints: z.number().default(5),
    })
    .prefault({}),
  detect: z
    .strictObject({
      /** Sigma rule files or folders; with none, events are not run through Sigma. */
      rules: z.array(z.string()).default([]),
      /** Field-mapping pipeline YAML files (later files win). */
      pipelines: z.array(z.string()).default([]),
      /** Values for `expand` placeholders (`%Servers%` → ['srv*', 'dc01']). */
      placeholders: z.record(z.string(), z.array(z.string())).default({}),
      /** How late an event may arrive and still count in a correlation window. */
      lateness: Duration.default(0),
      maxGroupsPerRule: z.number().int().positive().default(100_000),
      maxEntriesPerGroup: z.number().int().positive().default(10_000),
      /** Most time one event may spend in Sigma rule evaluation; rules left then are skipped for it and reported. */
      budget: Duration.default(50),
    })
    .prefault({}),
  cases: z
    .strictObject({
      /** An alert joins an open case whose last alert is at most this long before it. */
      window: Duration.default(3_600_000),
      /** A case spanning longer than this takes no new alerts, so a steady stream does not grow one case forever. */
      maxAge: Duration.default(86_400_000),
      /**
       * Alerts merged into a closed case (TheHive API merge): `new` opens a new case that follows the
       * closed one (linked both ways on their timelines); `refuse` answers 400. A closed case is never
       * reopened or grown by a merge; pipeline grouping only ever joins open cases.
       */
      mergeIntoClosed: z.enum(['new', 'refuse']).default('new'),
      /** What alerts must share to join one case. */
      groupBy: z.array(z.enum(['observable', 'rule', 'host', 'user'])).default(['observable', 'rule', 'host']),
      /** Observable types that count for `observable` grouping (users, processes and command lines are too common). */
      groupObservableTypes: z
        .array(z.string())
        .default(['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512']),
      /**
       * What every host talks to — domain controllers, DNS servers, gateways, proxies, scanners — is
       * context in an alert, never a reason to put two alerts in one case (docs/architecture.md, "Grouping").
       */
      infrastructure: z
        .strictObject({
          /** IPs and CIDRs of infrastructure (`10.0.3.5`, `10.0.0.0/30`). */
          addresses: z.array(checkedString(infrastructureAddressProblem)).default([]),
          /** Host name patterns (`*` wildcard) of infrastructure (`dc-*`, `proxy-*`): their addresses and names in other alerts are context. */
          hosts: z.array(z.string().min(1)).default([]),
          /** A private address on one of these ports (the server side of DNS, DHCP, Kerberos, NTP, LDAP, syslog, a proxy) is infrastructure. */
          ports: z.array(z.number().int().min(1).max(65535)).default([...INFRASTRUCTURE_PORTS]),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The estate (docs/configuration.md). */
  assets: z
    .strictObject({
      /**
       * The estate's DNS / Active Directory domains: `ws-042.corp.example` and `ws-042` are one host when
       * `corp.example` is listed (an alert that names a host both ways teaches it too).
       */
      domains: z.array(z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i, 'a domain name such as corp.example')).default([]),
    })
    .prefault({}),
  playbooks: z
    .strictObject({
      /** Folder of playbook YAML files. */
      dir: z.string().default(join(PACKAGE_ROOT, 'samples/playbooks')),
      /** Addresses/CIDRs that are never blocked (private ranges never are, whatever this says). */
      allowlistIps: z.array(z.string()).default([]),
      /** Host name patterns (`*` wildcard) that are never contained. */
      allowlistHosts: z.array(z.string()).default([]),
      /** Destructive actions (block-ip, isolate-host, http-request) only simulate and record while true. */
      dryRun: z.boolean().default(true),
      /** Longest a run may take (approvals aside) before it ends failed; a playbook's `timeout` overrides it. */
      runTimeout: Duration.default(600_000),
      /** Longest one attempt of a step may take; a step's `timeout` overrides it. */
      stepTimeout: Duration.default(30_000),
      /** How long an approval request waits before its run ends expired; a step's `approval.expires` overrides it. */
      approvalExpiry: Duration.default(86_400_000),
      /** Most items one `for_each` step may run over. */
      maxItems: z.number().int().positive().max(10_000).default(200),
      /** Settings per action id (`block-ip: {adapter: wazuh, wazuh: {…}}`, `http-request: {allow: […]}`); each action validates its own (docs/playbooks.md). */
      actions: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .default({})
        .superRefine((v, ctx) => {
          for (const i of actionSettingsIssues(v)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
        }),
    })
    .prefault({}),
  /** Channels, routing, quiet hours, digest, retries (src/notify/config.ts, docs/notifications.md). */
  notify: NotifyConfig.prefault({}),
  /** `vigil phish`: weights, thresholds, protected domains and brands, lure words, limits, DNS (docs/phishing.md). */
  phishing: PhishingConfigSchema.prefault({}),
  /** The TheHive-compatible API, case templates and the connector to a real TheHive (docs/thehive.md). */
  thehive: TheHiveConfig.prefault({}),
}).transform((c) => {
  // server.publicUrl is the one source of links back to Vigil: a case's link (notifications, reports)
  // is the web UI's case page under it unless notify.caseUrl names another.
  if (c.server.publicUrl !== undefined && c.notify.caseUrl === undefined) c.notify.caseUrl = `${c.server.publicUrl}/cases/{number}`;
  return c;
});

export type VigilConfig = z.infer<typeof ConfigSchema>;
export type FeedConfig = z.infer<typeof FeedConfig>;

/** Environment variables that override config, and the path each one sets. */
export const ENV_OVERRIDES: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  VIGIL_OUT: { path: ['out'] },
  VIGIL_DATA_DIR: { path: ['dataDir'] },
  VIGIL_DATABASE_URL: { path: ['database', 'url'] },
  VIGIL_NATS_URL: { path: ['bus', 'url'] },
  VIGIL_BUS_PREFIX: { path: ['bus', 'prefix'] },
  VIGIL_HOST: { path: ['server', 'host'] },
  VIGIL_PORT: { path: ['server', 'port'], parse: Number },
  VIGIL_PUBLIC_URL: { path: ['server', 'publicUrl'] },
  VIGIL_TLS_CERT_FILE: { path: ['server', 'tls', 'certFile'] },
  VIGIL_TLS_KEY_FILE: { path: ['server', 'tls', 'keyFile'] },
  VIGIL_LOG_LEVEL: { path: ['log', 'level'] },
  VIGIL_PLAYBOOKS_DIR: { path: ['playbooks', 'dir'] },
  VIGIL_RULES: { path: ['detect', 'rules'], parse: (v) => v.split(',').map((s) => s.trim()).filter(Boolean) },
  VIGIL_NOTIFY_MIN_SEVERITY: { path: ['notify', 'minSeverity'] },
  VIGIL_VIRUSTOTAL_KEY: { path: ['intel', 'providers', 'virustotal', 'apiKey'] },
  VIGIL_ABUSEIPDB_KEY: { path: ['intel', 'providers', 'abuseipdb', 'apiKey'] },
  VIGIL_IPINFO_KEY: { path: ['intel', 'providers', 'ipinfo', 'apiKey'] },
  VIGIL_URLSCAN_KEY: { path: ['intel', 'providers', 'urlscan', 'apiKey'] },
  VIGIL_GREYNOISE_KEY: { path: ['intel', 'providers', 'greynoise', 'apiKey'] },
  VIGIL_OTX_KEY: { path: ['intel', 'providers', 'otx', 'apiKey'] },
  VIGIL_HTTP_JSON_KEY: { path: ['intel', 'providers', 'http-json', 'apiKey'] },
};

export interface LoadedConfig {
  config: VigilConfig;
  /** The file it came from, if any. */
  file?: string;
  /** Environment variables that were applied. */
  env: string[];
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/**
 * Loads `vigil.yaml` (the given file, or `./vigil.yaml` when present), applies VIGIL_* overrides and
 * validates. Relative paths in the file resolve against the file's folder.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.VIGIL_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : existsSync(join(cwd, 'vigil.yaml')) ? join(cwd, 'vigil.yaml') : undefined;
  let raw: Record<string, unknown> = {};
  let source = '';
  let doc: ReturnType<typeof parseYaml>['doc'] | undefined;
  if (file) {
    if (!existsSync(file)) throw new VigilError('VIGIL_CONFIG_NOT_FOUND', `config file ${file} does not exist`, { file });
    source = readFileSync(file, 'utf8');
    const parsed = parseYaml(source);
    doc = parsed.doc;
    if (parsed.error) throw new VigilError('VIGIL_CONFIG_INVALID', `not valid YAML: ${parsed.error.message}`, { file, line: parsed.error.line });
    const js = parsed.value;
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) throw new VigilError('VIGIL_CONFIG_INVALID', 'the config must be a mapping of keys to values', { file, line: 1 });
      raw = js as Record<string, unknown>;
    }
  }
  const applied: string[] = [];
  for (const [name, o] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    setPath(raw, o.path, o.parse ? o.parse(v) : v);
    applied.push(name);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    // An unknown key is reported by zod on its parent object: point at the key itself.
    const path = first.code === 'unrecognized_keys' && first.keys[0] !== undefined ? [...first.path, first.keys[0]] : first.path;
    const line = doc ? yamlLineOf(source, doc, path) : undefined;
    throw new VigilError('VIGIL_CONFIG_INVALID', `invalid config: ${describeZodIssues(parsed.error.issues)}`, {
      ...(file !== undefined && { file }),
      ...(line !== undefined && { line }),
      field: path.map(String).join('.'),
    });
  }
  const config = parsed.data;
  const base = file ? dirname(file) : cwd;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  config.out = abs(config.out);
  config.dataDir = abs(config.dataDir);
  config.playbooks.dir = abs(config.playbooks.dir);
  if (config.server.tls) {
    config.server.tls.certFile = abs(config.server.tls.certFile);
    config.server.tls.keyFile = abs(config.server.tls.keyFile);
  }
  config.detect.rules = config.detect.rules.map(abs);
  config.detect.pipelines = config.detect.pipelines.map(abs);
  for (const f of config.feeds) f.path = abs(f.path);
  if (config.notify.secretsFile !== undefined) config.notify.secretsFile = abs(config.notify.secretsFile);
  if (config.thehive.caseTemplatesDir !== undefined) config.thehive.caseTemplatesDir = abs(config.thehive.caseTemplatesDir);
  resolveSourcePaths(config.sources, abs);
  return { config, ...(file !== undefined && { file }), env: applied };
}

const SECRET_KEY = /(key|token|secret|password|passwd|webhook)/i;
const SECRET_REFERENCE = /(Env|Ref|File)$/;

/** A copy of the config safe to print: secret-looking keys and credentials in URLs masked. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    // `urlEnv`, `passwordRef`, `secretsFile` name where a secret is kept, not the secret: shown as they are.
    if (SECRET_KEY.test(key) && !SECRET_REFERENCE.test(key)) return value ? '***' : value;
    return value.replace(/(\w+:\/\/)([^/@\s:]+):([^/@\s]+)@/g, '$1$2:***@');
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  return value;
}
