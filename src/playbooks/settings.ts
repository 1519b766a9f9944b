import { describeZodIssues, VigilError } from '../core/errors.js';
import type { ResponseAction } from './action.js';
import { RESPONSE_ACTIONS } from './actions/registry.js';

/** `playbooks:` in vigil.yaml as the engine uses it (src/config.ts owns the schema). */
export interface PlaybookSettings {
  dir: string;
  allowlistIps: string[];
  allowlistHosts: string[];
  /** Destructive actions only simulate and record while true. */
  dryRun: boolean;
  runTimeout: number;
  stepTimeout: number;
  approvalExpiry: number;
  maxItems: number;
  actions: Record<string, Record<string, unknown>>;
}

export interface SettingsIssue {
  path: Array<string | number>;
  message: string;
}

/** Problems in `playbooks.actions`, each with its path below it (for config validation). */
export function actionSettingsIssues(raw: Record<string, unknown>, actions: readonly ResponseAction<unknown, unknown>[] = RESPONSE_ACTIONS as never): SettingsIssue[] {
  const out: SettingsIssue[] = [];
  for (const [id, value] of Object.entries(raw)) {
    const a = actions.find((x) => x.id === id);
    if (!a) {
      out.push({ path: [id], message: `unknown action "${id}" (known: ${actions.map((x) => x.id).join(', ')})` });
      continue;
    }
    const r = a.configSchema.safeParse(value ?? {});
    if (!r.success) {
      for (const i of r.error.issues) {
        const keys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : [];
        out.push({ path: [id, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), ...keys.slice(0, 1)], message: keys.length ? `unknown setting for ${id}` : i.message });
      }
    }
  }
  return out;
}

/** Each action's parsed settings (`{}` for the unconfigured); throws a config error naming the field. */
export function parseActionSettings(raw: Record<string, unknown>, actions: readonly ResponseAction<unknown, unknown>[]): Map<string, unknown> {
  const issues = actionSettingsIssues(raw, actions);
  if (issues.length) {
    const first = issues[0]!;
    throw new VigilError('VIGIL_CONFIG_INVALID', `invalid config: ${describeZodIssues(issues.map((i) => ({ path: ['playbooks', 'actions', ...i.path], message: i.message })))}`, {
      field: ['playbooks', 'actions', ...first.path].join('.'),
    });
  }
  const out = new Map<string, unknown>();
  for (const a of actions) out.set(a.id, a.configSchema.parse(raw[a.id] ?? {}));
  return out;
}
