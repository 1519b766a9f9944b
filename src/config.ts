import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDuration } from './core/clock.js';
import { describeZodIssues, VigilError } from './core/errors.js';
import { Severity } from './core/types.js';
import { parseYaml, yamlLineOf } from './core/yaml.js';

/** The installed package's root: defaults point at its bundled samples. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseDuration(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

const Criticality = z.enum(['low', 'medium', 'high', 'critical']);

export const FeedConfig = z.strictObject({
  /** A feed file, or a folder whose files are each imported (format detected per file). */
  path: z.string(),
  /** Format id (`feodo`, `urlhaus`, …) or `auto` to detect by content. */
  format: z.string().default('auto'),
  /** Display name used in evidence lines; defaults to the format's label. */
  name: z.string().optional(),
});

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
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
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
  intel: z
    .strictObject({
      /** Per-provider settings, keyed by provider id; each provider validates its own. */
      providers: z.record(z.string(), z.unknown()).default({}),
      /** Unified risk: multiplier per provider id (default 1). */
      weights: z.record(z.string(), z.number().min(0)).default({}),
      /** Unified risk: points added for each further provider that flags an observable. */
      agreementBonus: z.number().min(0).max(50).default(10),
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
  cases: z
    .strictObject({
      /** An alert joins an open case whose last alert is at most this long before it. */
      window: duration.default(3_600_000),
      /** A case spanning longer than this takes no new alerts, so a steady stream does not grow one case forever. */
      maxAge: duration.default(86_400_000),
      /** What alerts must share to join one case. */
      groupBy: z.array(z.enum(['observable', 'rule', 'host'])).default(['observable', 'rule', 'host']),
      /** Observable types that count for `observable` grouping (users, processes and command lines are too common). */
      groupObservableTypes: z
        .array(z.string())
        .default(['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512']),
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
    })
    .prefault({}),
  notify: z
    .strictObject({
      /** Cases at or above this severity produce a notification. */
      minSeverity: Severity.default('HIGH'),
      /** Channels every notification goes to; `outbox` writes files under `<out>/outbox/`. */
      channels: z.array(z.string()).default(['outbox']),
    })
    .prefault({}),
});

export type VigilConfig = z.infer<typeof ConfigSchema>;
export type FeedConfig = z.infer<typeof FeedConfig>;

/** Environment variables that override config, and the path each one sets. */
export const ENV_OVERRIDES: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  VIGIL_OUT: { path: ['out'] },
  VIGIL_DATA_DIR: { path: ['dataDir'] },
  VIGIL_DATABASE_URL: { path: ['database', 'url'] },
  VIGIL_HOST: { path: ['server', 'host'] },
  VIGIL_PORT: { path: ['server', 'port'], parse: Number },
  VIGIL_LOG_LEVEL: { path: ['log', 'level'] },
  VIGIL_PLAYBOOKS_DIR: { path: ['playbooks', 'dir'] },
  VIGIL_NOTIFY_MIN_SEVERITY: { path: ['notify', 'minSeverity'] },
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
  for (const f of config.feeds) f.path = abs(f.path);
  return { config, ...(file !== undefined && { file }), env: applied };
}

const SECRET_KEY = /(key|token|secret|password|passwd|webhook)/i;

/** A copy of the config safe to print: secret-looking keys and credentials in URLs masked. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return value ? '***' : value;
    return value.replace(/(\w+:\/\/)([^/@\s:]+):([^/@\s]+)@/g, '$1$2:***@');
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  return value;
}
