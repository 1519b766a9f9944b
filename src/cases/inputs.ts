// What TheHive clients send, validated at the edge. Unknown fields are ignored (clients of several
// TheHive versions send fields Vigil has no use for); known fields are checked, with limits.
import { z } from 'zod';
import { IMPACT_STATUSES, PATTERN_ID, tacticSlug } from './model.js';

const MAX_TEXT = 1_000_000;
const text = (max = MAX_TEXT) => z.string().max(max);
/** Epoch milliseconds; ISO 8601 strings are accepted too. */
const date = z.union([z.number().int().min(0).max(253_402_300_799_999), z.iso.datetime({ offset: true })]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));
const tags = z.array(z.string().min(1).max(256)).max(200);
const severity = z.number().int().min(1, 'must be 1 (LOW) to 4 (CRITICAL)').max(4, 'must be 1 (LOW) to 4 (CRITICAL)');
const tlp = z.number().int().min(0, 'must be 0 (CLEAR) to 4 (RED)').max(4, 'must be 0 (CLEAR) to 4 (RED)');
const pap = z.number().int().min(0, 'must be 0 (CLEAR) to 3 (RED)').max(3, 'must be 0 (CLEAR) to 3 (RED)');

const cfValue = z.union([z.string().max(65_536), z.number(), z.boolean(), z.null()]);
/**
 * Custom fields as TheHive 5 (`[{name, value, order}]` or `{name: value}`) or TheHive 4
 * (`{name: {string: value, order}}`) clients send them, as `{name: {value, order}}`.
 */
export const CustomFields = z
  .union([
    z.array(z.object({ name: z.string().min(1).max(128), value: cfValue.optional(), order: z.number().int().optional() })).max(200),
    z.record(z.string().min(1).max(128), z.union([cfValue, z.record(z.string(), z.unknown())])),
  ])
  .transform((v, ctx) => {
    const out: Record<string, { value: unknown; order: number }> = {};
    if (Array.isArray(v)) {
      v.forEach((f, i) => (out[f.name] = { value: f.value ?? null, order: f.order ?? i }));
      return out;
    }
    const entries = Object.entries(v);
    if (entries.length > 200) {
      ctx.addIssue({ code: 'custom', message: 'at most 200 custom fields' });
      return z.NEVER;
    }
    entries.forEach(([name, val], i) => {
      if (val !== null && typeof val === 'object') {
        const o = val as Record<string, unknown>;
        const key = ['string', 'integer', 'float', 'boolean', 'date', 'number'].find((k) => k in o);
        const value = key ? o[key] : null;
        if (value !== null && typeof value === 'object') {
          ctx.addIssue({ code: 'custom', path: [name], message: 'a custom field value must be a string, number or boolean' });
          return;
        }
        out[name] = { value: value ?? null, order: typeof o.order === 'number' ? o.order : i };
      } else out[name] = { value: val, order: i };
    });
    return out;
  });

export const ObservableInput = z.object({
  dataType: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only'),
  /** One value, or several (each becomes an observable). */
  data: z.union([z.string().min(1).max(65_536), z.array(z.string().min(1).max(65_536)).min(1).max(1000)]).optional(),
  message: text(65_536).optional(),
  startDate: date.optional(),
  tlp: tlp.optional(),
  pap: pap.optional(),
  tags: tags.optional(),
  ioc: z.boolean().optional(),
  sighted: z.boolean().optional(),
  sightedAt: date.optional(),
  ignoreSimilarity: z.boolean().optional(),
});
export type ObservableInput = z.infer<typeof ObservableInput>;

export const ObservableUpdate = z.object({
  message: text(65_536).optional(),
  tlp: tlp.optional(),
  pap: pap.optional(),
  tags: tags.optional(),
  addTags: tags.optional(),
  removeTags: tags.optional(),
  ioc: z.boolean().optional(),
  sighted: z.boolean().optional(),
  sightedAt: date.optional(),
  ignoreSimilarity: z.boolean().optional(),
});

export const ProcedureInput = z.object({
  patternId: z.string().regex(PATTERN_ID, 'an ATT&CK technique id like T1110 or T1110.001'),
  tactic: z.string().transform((t, ctx) => {
    const s = tacticSlug(t);
    if (!s) ctx.addIssue({ code: 'custom', message: 'an ATT&CK tactic like credential-access' });
    return s ?? '';
  }),
  occurDate: date,
  description: text(65_536).optional(),
});
export type ProcedureInput = z.infer<typeof ProcedureInput>;

export const ProcedureUpdate = z.object({ description: text(65_536).optional(), occurDate: date.optional() });

const alertStatus = z.string().min(1).max(64);

export const AlertInput = z.object({
  type: z.string().min(1).max(128),
  source: z.string().min(1).max(256),
  sourceRef: z.string().min(1).max(512),
  title: z.string().min(1).max(1024),
  description: text(),
  date: date.optional(),
  externalLink: z.string().max(4096).optional(),
  severity: severity.optional(),
  tags: tags.optional(),
  flag: z.boolean().optional(),
  tlp: tlp.optional(),
  pap: pap.optional(),
  customFields: CustomFields.optional(),
  summary: text().optional(),
  status: alertStatus.optional(),
  caseTemplate: z.string().max(128).optional(),
  assignee: z.string().max(256).optional(),
  follow: z.boolean().optional(),
  observables: z.array(z.unknown()).max(5000).optional(),
  /** TheHive 3/4 name for observables. */
  artifacts: z.array(z.unknown()).max(5000).optional(),
  procedures: z.array(z.unknown()).max(500).optional(),
});
export type AlertInput = z.infer<typeof AlertInput>;

/** What an alert update may change: the creation fields bar its contents, plus tag edits; null unassigns. */
export const AlertUpdate = AlertInput.omit({ caseTemplate: true, observables: true, artifacts: true, procedures: true })
  .partial()
  .extend({ addTags: tags.optional(), removeTags: tags.optional(), assignee: z.string().max(256).nullable().optional() });

export const TaskInput = z.object({
  title: z.string().min(1).max(1024),
  group: z.string().min(1).max(256).optional(),
  description: text().optional(),
  status: z.enum(['Waiting', 'InProgress', 'Completed', 'Cancel']).optional(),
  flag: z.boolean().optional(),
  startDate: date.optional(),
  endDate: date.optional(),
  order: z.number().int().min(0).max(1_000_000).optional(),
  dueDate: date.optional(),
  assignee: z.string().max(256).optional(),
  mandatory: z.boolean().optional(),
});
export type TaskInput = z.infer<typeof TaskInput>;

export const TaskUpdate = TaskInput.partial().extend({ assignee: z.string().max(256).nullable().optional() });

const caseStatus = z.string().min(1).max(64);

export const CaseInput = z.object({
  title: z.string().min(1).max(1024),
  description: text(),
  severity: severity.optional(),
  startDate: date.optional(),
  endDate: date.optional(),
  tags: tags.optional(),
  flag: z.boolean().optional(),
  tlp: tlp.optional(),
  pap: pap.optional(),
  status: caseStatus.optional(),
  resolutionStatus: z.string().max(64).optional(),
  impactStatus: z.enum(IMPACT_STATUSES).optional(),
  summary: text().optional(),
  assignee: z.string().max(256).optional(),
  customFields: CustomFields.optional(),
  caseTemplate: z.string().max(128).optional(),
  tasks: z.array(z.unknown()).max(500).optional(),
});
export type CaseInput = z.infer<typeof CaseInput>;

/**
 * What a case update may change: the creation fields bar its template and tasks, plus tag edits; null
 * unassigns. TheHive 4 closes with `{status: "Resolved", resolutionStatus: "TruePositive"}`.
 */
export const CaseUpdate = CaseInput.omit({ caseTemplate: true, tasks: true })
  .partial()
  .extend({ addTags: tags.optional(), removeTags: tags.optional(), assignee: z.string().max(256).nullable().optional() });
export type CaseUpdate = z.infer<typeof CaseUpdate>;

/** The case fields a promotion may set over what the alert brings. */
export const PromoteInput = z.object({
  caseTemplate: z.string().max(128).optional(),
  title: z.string().min(1).max(1024).optional(),
  description: text().optional(),
  severity: severity.optional(),
  tags: tags.optional(),
  flag: z.boolean().optional(),
  tlp: tlp.optional(),
  pap: pap.optional(),
  assignee: z.string().max(256).optional(),
  summary: text().optional(),
});

export const LogInput = z.object({
  message: z.string().min(1).max(MAX_TEXT),
  startDate: date.optional(),
  includeInTimeline: date.optional(),
});
export const LogUpdate = z.object({ message: z.string().min(1).max(MAX_TEXT).optional(), includeInTimeline: date.optional() });

export const CommentInput = z.object({ message: z.string().min(1).max(MAX_TEXT) });

export const BulkMergeInput = z.object({
  caseId: z.union([z.string().min(1).max(64), z.number().int()]).transform(String),
  alertIds: z.array(z.string().min(1).max(64)).min(1).max(1000),
});
