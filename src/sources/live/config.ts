import { z } from 'zod';
import { LIVE_SOURCES } from './registry.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const Base = z.looseObject({
  /** Unique name: the checkpoint key and the origin shown in messages (`source:<name>`). */
  name: z.string().regex(NAME, 'letters, digits, `_`, `.` and `-`, at most 64, starting with a letter or digit'),
  /** Which live source: `file-follow`, `opensearch`, `elasticsearch`, `syslog`. */
  type: z.string(),
  /** Set false to keep the entry (and its checkpoint) without running it. */
  enabled: z.boolean().default(true),
});

/** One `sources[]` entry after validation: the common keys plus the source's own settings, defaults applied. */
export type LiveSourceConfig = { name: string; type: string; enabled: boolean } & Record<string, unknown>;

/**
 * `sources[]` in vigil.yaml: each entry is checked by its source's own schema, so a field error comes
 * back with its full path (`sources.0.url`) and the config loader can point at the line.
 */
export const LiveSourceConfigSchema: z.ZodType<LiveSourceConfig, unknown> = Base.transform((v, ctx) => {
  const { name, type, enabled, ...rest } = v;
  const def = LIVE_SOURCES.find((s) => s.id === type);
  if (!def) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown source type "${type}" (one of ${LIVE_SOURCES.map((s) => s.id).join(', ')})` });
    return z.NEVER;
  }
  const parsed = def.configSchema.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }
  return { name, type, enabled, ...(parsed.data as Record<string, unknown>) };
});

export const LiveSourcesSchema = z.array(LiveSourceConfigSchema).superRefine((list, ctx) => {
  const seen = new Map<string, number>();
  list.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${s.name}" is already the name of sources.${first}; names must be unique` });
    else seen.set(s.name, i);
  });
});

/** Makes the path settings of every source absolute, relative to the config file's folder. */
export function resolveSourcePaths(sources: LiveSourceConfig[], abs: (p: string) => string): void {
  for (const s of sources) {
    const def = LIVE_SOURCES.find((d) => d.id === s.type);
    for (const field of def?.pathFields ?? []) {
      const parts = field.split('.');
      let cur: Record<string, unknown> | undefined = s;
      for (const k of parts.slice(0, -1)) cur = cur && typeof cur[k] === 'object' && cur[k] !== null ? (cur[k] as Record<string, unknown>) : undefined;
      const last = parts[parts.length - 1]!;
      if (cur && typeof cur[last] === 'string') cur[last] = abs(cur[last] as string);
    }
  }
}
