import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { VigilError } from '../core/errors.js';
import { parseYaml } from '../core/yaml.js';

const MAX_SECRETS_FILE = 1 << 20;

/** An environment variable name, as `urlEnv: VIGIL_SLACK_WEBHOOK` names one. */
export const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits, _)');
/** A key in `notify.secretsFile`. */
export const SecretRef = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a key of the secrets file (letters, digits, _ . -)');

/**
 * A config field that must never hold a secret inline: rejected with a message saying where the
 * value goes instead, so a pasted webhook URL never ends up in `vigil.yaml` or in a log of it.
 */
export function inlineSecretForbidden(field: string) {
  return z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message: `do not put the secret in the config: set ${field}Env (an environment variable holding it) or ${field}Ref (a key in notify.secretsFile)`,
    });
}

/** Where a secret comes from: an environment variable or a key of the secrets file. */
export interface SecretSpec {
  env?: string | undefined;
  ref?: string | undefined;
}

/**
 * Secrets for channels: read from the environment or from one secrets file (a YAML or JSON mapping
 * of names to strings), never from the config itself. Every value handed out is remembered so
 * error messages can be scrubbed of it before they are stored or printed.
 */
export class Secrets {
  private readonly handedOut = new Set<string>();

  private constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly file: { path: string; values: Record<string, string> } | undefined,
  ) {}

  static load(opts: { env?: Record<string, string | undefined>; file?: string | undefined } = {}): Secrets {
    const env = opts.env ?? process.env;
    if (!opts.file) return new Secrets(env, undefined);
    const path = opts.file;
    let text: string;
    try {
      if (statSync(path).size > MAX_SECRETS_FILE) throw new VigilError('VIGIL_CONFIG_INVALID', `secrets file is larger than ${MAX_SECRETS_FILE} bytes`, { file: path, field: 'notify.secretsFile' });
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (e instanceof VigilError) throw e;
      throw new VigilError('VIGIL_CONFIG_INVALID', `cannot read the secrets file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path, field: 'notify.secretsFile', cause: e });
    }
    const parsed = parseYaml(text);
    // The parser's message may quote the offending line, which would be a secret: only the line number is kept.
    if (parsed.error) throw new VigilError('VIGIL_CONFIG_INVALID', 'the secrets file is not valid YAML or JSON', { file: path, line: parsed.error.line, field: 'notify.secretsFile' });
    const value = parsed.value ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new VigilError('VIGIL_CONFIG_INVALID', 'the secrets file must be a mapping of names to strings', { file: path, line: 1, field: 'notify.secretsFile' });
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new VigilError('VIGIL_CONFIG_INVALID', `secret "${k}" must be a string`, { file: path, field: 'notify.secretsFile' });
      values[k] = v;
    }
    return new Secrets(env, { path, values });
  }

  /** The secret's value, or why there is none (for the channel's "disabled" reason). */
  get(spec: SecretSpec, what: string): { value: string } | { missing: string } {
    if (spec.env) {
      const v = this.env[spec.env];
      if (v === undefined || v === '') return { missing: `${what}: environment variable ${spec.env} is not set` };
      this.handedOut.add(v);
      return { value: v };
    }
    if (spec.ref) {
      if (!this.file) return { missing: `${what}: "${spec.ref}" names a secret but notify.secretsFile is not set` };
      const v = this.file.values[spec.ref];
      if (v === undefined || v === '') return { missing: `${what}: the secrets file has no "${spec.ref}"` };
      this.handedOut.add(v);
      return { value: v };
    }
    return { missing: `${what} is not configured` };
  }

  /** The text with every secret handed out (and the path/query part of secret URLs) replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.handedOut) {
      if (s.length < 4) continue;
      out = out.split(s).join('***');
      // A URL secret also leaks through its path alone (an error naming the request target).
      try {
        const u = new URL(s);
        if (u.pathname.length > 8) out = out.split(u.pathname).join('/***');
      } catch {
        /* not a URL */
      }
    }
    return out;
  }
}

/** For messages about a secret URL: scheme and host only. */
export function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}
