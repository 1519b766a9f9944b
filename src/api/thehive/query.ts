// TheHive's query API (`POST /api/v1/query`): a list of steps — a start (listAlert, getCase, …),
// hops to related things (observables, tasks, logs, …), filter, sort, page, count — compiled to one
// SQL statement over Vigil's tables. Field names are TheHive's; every value is a bound parameter and
// every field comes from a fixed table of known fields, so a query cannot reach anything else.
import { OrgScope } from '../../store/scope.js';
import { inArray, sql, type SQL } from 'drizzle-orm';
import { CaseError, invalid } from '../../cases/errors.js';
import type { HiveKind } from '../../cases/hive-ids.js';
import { levelFromLabel, OPEN_CASE_STATUSES } from '../../cases/model.js';
import type { Actor, CaseService } from '../../cases/service.js';
import * as t from '../../store/schema.js';
import { alertsOut, artifactsOut, casesOut, commentsOut, logsOut, proceduresOut, tasksOut, type Json } from './output.js';

type FieldType = 'string' | 'number' | 'date' | 'boolean' | 'array' | 'id';

interface Field {
  sql: SQL;
  type: FieldType;
  /** For `id` fields: which entity's `~N` ids it holds. */
  kind?: HiveKind;
  /** Numbers that clients may also give as labels. */
  level?: 'severity' | 'tlp' | 'pap';
}

interface Entity {
  kind: HiveKind;
  from: SQL;
  id: SQL;
  /** The entity's rows of one organisation, through OrgScope. */
  org: (scope: OrgScope) => SQL;
  fields: Record<string, Field>;
  /** `customFields.<name>` paths resolve into this JSON column. */
  customFields?: SQL;
  created: SQL;
  /** Order when the query gives none: newest first for alerts and cases, in order for what they hold. */
  order: SQL[];
  /** Always-true conditions (not deleted). */
  base?: SQL;
}

const f = (s: string, type: FieldType, extra: Partial<Field> = {}): Field => ({ sql: sql.raw(s), type, ...extra });
const sevSql = (col: string) => `(case ${col} when 'LOW' then 1 when 'MEDIUM' then 2 when 'HIGH' then 3 when 'CRITICAL' then 4 else 2 end)`;
const alertStatusSql = `coalesce(a.hive_status, case when a.case_id is null then 'New' else 'Imported' end)`;

const ALERT: Entity = {
  kind: 'alert',
  from: sql.raw('alerts a'),
  id: sql.raw('a.id'),
  org: (scope) => scope.ownsAlias('a'),
  created: sql.raw('a.ingested_at'),
  order: [sql.raw('a.ingested_at desc')],
  customFields: sql.raw('a.custom_fields'),
  fields: {
    _id: f('a.id', 'id', { kind: 'alert' }),
    _createdAt: f('a.ingested_at', 'date'),
    _createdBy: f(`coalesce(a.created_by, 'vigil')`, 'string'),
    _updatedAt: f('a.updated_at', 'date'),
    _updatedBy: f('a.updated_by', 'string'),
    type: f('a.type', 'string'),
    source: f('a.source', 'string'),
    sourceRef: f('a.source_ref', 'string'),
    title: f('a.title', 'string'),
    description: f(`(a.data->>'description')`, 'string'),
    severity: f(sevSql('a.severity'), 'number', { level: 'severity' }),
    severityLabel: f('a.severity', 'string'),
    date: f('a.time', 'date'),
    tags: f(`(a.tags || coalesce(a.rule_groups, '[]'::jsonb))`, 'array'),
    tlp: f('a.tlp', 'number', { level: 'tlp' }),
    pap: f('a.pap', 'number', { level: 'pap' }),
    flag: f('a.flag', 'boolean'),
    follow: f(`coalesce((a.extra->>'follow')::boolean, true)`, 'boolean'),
    status: f(alertStatusSql, 'string'),
    stage: f(`(case when ${alertStatusSql} in ('New', 'InProgress', 'Imported') then ${alertStatusSql} else 'Closed' end)`, 'string'),
    caseId: f('a.case_id', 'id', { kind: 'case' }),
    externalLink: f(`(a.extra->>'externalLink')`, 'string'),
    summary: f(`(a.extra->>'summary')`, 'string'),
    assignee: f(`(a.extra->>'assignee')`, 'string'),
    caseTemplate: f(`(a.extra->>'caseTemplate')`, 'string'),
    observableCount: f(`(select count(*) from artifacts x where x.parent_kind = 'alert' and x.parent_id = a.id)`, 'number'),
  },
};

const caseStatusSql = 'c.status';
const CASE: Entity = {
  kind: 'case',
  from: sql.raw('cases c'),
  id: sql.raw('c.id'),
  org: (scope) => scope.ownsAlias('c'),
  created: sql.raw('c.created_at'),
  order: [sql.raw('c.created_at desc')],
  customFields: sql.raw('c.custom_fields'),
  fields: {
    _id: f('c.id', 'id', { kind: 'case' }),
    _createdAt: f('c.created_at', 'date'),
    _createdBy: f(`coalesce(c.created_by, 'vigil')`, 'string'),
    _updatedAt: f('c.updated_at', 'date'),
    _updatedBy: f('c.updated_by', 'string'),
    number: f('c.number', 'number'),
    title: f('c.title', 'string'),
    description: f('c.description', 'string'),
    severity: f(sevSql('c.severity'), 'number', { level: 'severity' }),
    severityLabel: f('c.severity', 'string'),
    startDate: f('coalesce(c.start_date, c.first_alert_at)', 'date'),
    endDate: f('c.end_date', 'date'),
    tags: f('c.tags', 'array'),
    flag: f('c.flag', 'boolean'),
    tlp: f('c.tlp', 'number', { level: 'tlp' }),
    pap: f('c.pap', 'number', { level: 'pap' }),
    status: f(caseStatusSql, 'string'),
    stage: f(`(case when c.status in ('New', 'InProgress') then c.status else 'Closed' end)`, 'string'),
    summary: f('c.summary', 'string'),
    impactStatus: f('c.impact_status', 'string'),
    assignee: f('c.assignee', 'string'),
    owner: f('c.assignee', 'string'),
    caseTemplate: f('c.template', 'string'),
  },
};

const TASK: Entity = {
  kind: 'task',
  from: sql.raw('tasks k join cases kc on kc.id = k.case_id'),
  id: sql.raw('k.id'),
  org: (scope) => scope.ownsAlias('kc'),
  created: sql.raw('k.created_at'),
  order: [sql.raw('k."order" asc'), sql.raw('k.created_at asc')],
  fields: {
    _id: f('k.id', 'id', { kind: 'task' }),
    _createdAt: f('k.created_at', 'date'),
    _createdBy: f('k.created_by', 'string'),
    _updatedAt: f('k.updated_at', 'date'),
    _updatedBy: f('k.updated_by', 'string'),
    title: f('k.title', 'string'),
    group: f('k."group"', 'string'),
    description: f('k.description', 'string'),
    status: f('k.status', 'string'),
    flag: f('k.flag', 'boolean'),
    startDate: f('k.start_date', 'date'),
    endDate: f('k.end_date', 'date'),
    order: f('k."order"', 'number'),
    dueDate: f('k.due_date', 'date'),
    assignee: f('k.assignee', 'string'),
    owner: f('k.assignee', 'string'),
    mandatory: f('k.mandatory', 'boolean'),
  },
};

/** Things owned by a case or an alert: their organisation is their parent's. */
const parentOrg = (alias: string) => (scope: OrgScope) => scope.parentIn(sql.raw(`${alias}.parent_kind`), sql.raw(`${alias}.parent_id`));

const OBSERVABLE: Entity = {
  kind: 'observable',
  from: sql.raw('artifacts o'),
  id: sql.raw('o.id'),
  org: parentOrg('o'),
  created: sql.raw('o.created_at'),
  order: [sql.raw('o.created_at asc')],
  fields: {
    _id: f('o.id', 'id', { kind: 'observable' }),
    _createdAt: f('o.created_at', 'date'),
    _createdBy: f('o.created_by', 'string'),
    _updatedAt: f('o.updated_at', 'date'),
    _updatedBy: f('o.updated_by', 'string'),
    dataType: f('o.data_type', 'string'),
    data: f('o.data', 'string'),
    message: f('o.message', 'string'),
    startDate: f('o.start_date', 'date'),
    tlp: f('o.tlp', 'number', { level: 'tlp' }),
    pap: f('o.pap', 'number', { level: 'pap' }),
    tags: f('o.tags', 'array'),
    ioc: f('o.ioc', 'boolean'),
    sighted: f('o.sighted', 'boolean'),
    sightedAt: f('o.sighted_at', 'date'),
    ignoreSimilarity: f('o.ignore_similarity', 'boolean'),
  },
};

const LOG: Entity = {
  kind: 'log',
  from: sql.raw('task_logs l join cases lc on lc.id = l.case_id'),
  id: sql.raw('l.id'),
  org: (scope) => scope.ownsAlias('lc'),
  created: sql.raw('l.created_at'),
  order: [sql.raw('l.created_at asc')],
  fields: {
    _id: f('l.id', 'id', { kind: 'log' }),
    _createdAt: f('l.created_at', 'date'),
    _createdBy: f('l.created_by', 'string'),
    _updatedAt: f('l.updated_at', 'date'),
    message: f('l.message', 'string'),
    date: f('l.date', 'date'),
    owner: f('l.created_by', 'string'),
  },
};

const COMMENT: Entity = {
  kind: 'comment',
  from: sql.raw('comments m'),
  id: sql.raw('m.id'),
  org: parentOrg('m'),
  created: sql.raw('m.created_at'),
  order: [sql.raw('m.created_at asc')],
  fields: {
    _id: f('m.id', 'id', { kind: 'comment' }),
    _createdAt: f('m.created_at', 'date'),
    createdAt: f('m.created_at', 'date'),
    _createdBy: f('m.created_by', 'string'),
    createdBy: f('m.created_by', 'string'),
    message: f('m.message', 'string'),
  },
};

const PROCEDURE: Entity = {
  kind: 'procedure',
  from: sql.raw('procedures p'),
  id: sql.raw('p.id'),
  org: parentOrg('p'),
  created: sql.raw('p.created_at'),
  order: [sql.raw('p.occur_date asc')],
  base: sql.raw('p.deleted_at is null'),
  fields: {
    _id: f('p.id', 'id', { kind: 'procedure' }),
    _createdAt: f('p.created_at', 'date'),
    _createdBy: f('p.created_by', 'string'),
    occurDate: f('p.occur_date', 'date'),
    tactic: f('p.tactic', 'string'),
    patternId: f('p.pattern_id', 'string'),
    description: f('p.description', 'string'),
  },
};

const STARTS: Record<string, { entity: Entity; get: boolean }> = {
  listAlert: { entity: ALERT, get: false },
  listCase: { entity: CASE, get: false },
  listTask: { entity: TASK, get: false },
  listObservable: { entity: OBSERVABLE, get: false },
  listLog: { entity: LOG, get: false },
  listComment: { entity: COMMENT, get: false },
  listProcedure: { entity: PROCEDURE, get: false },
  getAlert: { entity: ALERT, get: true },
  getCase: { entity: CASE, get: true },
  getTask: { entity: TASK, get: true },
  getObservable: { entity: OBSERVABLE, get: true },
  getLog: { entity: LOG, get: true },
  getComment: { entity: COMMENT, get: true },
  getProcedure: { entity: PROCEDURE, get: true },
};

/** `from` → hop name → the related entity and the condition tying it to the ids of `from`. */
const HOPS: Partial<Record<HiveKind, Record<string, { to: Entity; link: (ids: SQL) => SQL; sync?: 'case-artifacts' | 'alert-artifacts' | 'case-procedures' | 'alert-procedures' }>>> = {
  case: {
    observables: { to: OBSERVABLE, link: (ids) => sql`o.parent_kind = 'case' and o.parent_id in (${ids})`, sync: 'case-artifacts' },
    tasks: { to: TASK, link: (ids) => sql`k.case_id in (${ids})` },
    alerts: { to: ALERT, link: (ids) => sql`a.case_id in (${ids})` },
    comments: { to: COMMENT, link: (ids) => sql`m.parent_kind = 'case' and m.parent_id in (${ids})` },
    procedures: { to: PROCEDURE, link: (ids) => sql`p.parent_kind = 'case' and p.parent_id in (${ids})`, sync: 'case-procedures' },
  },
  alert: {
    observables: { to: OBSERVABLE, link: (ids) => sql`o.parent_kind = 'alert' and o.parent_id in (${ids})`, sync: 'alert-artifacts' },
    comments: { to: COMMENT, link: (ids) => sql`m.parent_kind = 'alert' and m.parent_id in (${ids})` },
    procedures: { to: PROCEDURE, link: (ids) => sql`p.parent_kind = 'alert' and p.parent_id in (${ids})`, sync: 'alert-procedures' },
    case: { to: CASE, link: (ids) => sql`c.id in (select case_id from alerts where id in (${ids}))` },
  },
  task: {
    logs: { to: LOG, link: (ids) => sql`l.task_id in (${ids})` },
    case: { to: CASE, link: (ids) => sql`c.id in (select case_id from tasks where id in (${ids}))` },
  },
};

/** TheHive 4 names some fields without the underscore. */
const ALIASES: Record<string, string> = { createdAt: '_createdAt', createdBy: '_createdBy', updatedAt: '_updatedAt', updatedBy: '_updatedBy', id: '_id' };

interface Compiled {
  entity: Entity;
  where: SQL[];
  order: SQL[];
  from?: number;
  to?: number;
  extraData: string[];
  count: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function and(parts: SQL[]): SQL {
  return parts.length ? sql.join(parts.map((p) => sql`(${p})`), sql` and `) : sql`true`;
}

function escapeLike(v: string): string {
  return v.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class QueryRunner {
  constructor(
    private readonly svc: CaseService,
    private readonly maxResults: number,
  ) {}

  private field(e: Entity, name: unknown): Field & { name: string; custom?: boolean } {
    if (typeof name !== 'string' || !name) throw invalid('query.filter', 'a field name is required');
    const n = ALIASES[name] ?? name;
    const known = e.fields[n];
    if (known) return { ...known, name: n };
    const cf = /^customFields\.([^.]{1,128})(?:\.(?:string|integer|float|boolean|date|value))?$/.exec(n);
    if (cf && e.customFields) return { sql: sql`(${e.customFields}->${cf[1]}->'value')`, type: 'string', name: n, custom: true };
    throw invalid('query.filter', `unknown field "${name}" for ${e.kind}s (known: ${Object.keys(e.fields).join(', ')})`);
  }

  /** A filter value of the field's type, as a bound parameter. */
  private async value(fd: Field & { name: string; custom?: boolean }, v: unknown): Promise<SQL> {
    if (fd.custom) return sql`${JSON.stringify(v)}::jsonb`;
    switch (fd.type) {
      case 'number': {
        const n = fd.level ? levelFromLabel(fd.level, v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (n === undefined || !Number.isFinite(n)) throw invalid('query.filter', `${fd.name} takes a number, not ${JSON.stringify(v)}`);
        return sql`${n}`;
      }
      case 'date': {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? (/^\d+$/.test(v) ? Number(v) : Date.parse(v)) : NaN;
        if (!Number.isFinite(n)) throw invalid('query.filter', `${fd.name} takes a date (epoch milliseconds), not ${JSON.stringify(v)}`);
        return sql`${new Date(n).toISOString()}::timestamptz`;
      }
      case 'boolean':
        if (typeof v !== 'boolean' && v !== 'true' && v !== 'false') throw invalid('query.filter', `${fd.name} takes true or false, not ${JSON.stringify(v)}`);
        return sql`${v === true || v === 'true'}`;
      case 'id': {
        const ref = typeof v === 'string' ? await this.svc.ids.resolve(fd.kind!, v) : undefined;
        return sql`${ref ?? '\u0000none'}`;
      }
      default:
        if (typeof v !== 'string' && typeof v !== 'number') throw invalid('query.filter', `${fd.name} takes a string, not ${JSON.stringify(v)}`);
        return sql`${String(v)}`;
    }
  }

  private async compare(e: Entity, op: string, arg: unknown): Promise<SQL> {
    // {_field, _value} (TheHive 5) or {field: value} (TheHive 4).
    let name: unknown;
    let value: unknown;
    if (isObject(arg) && '_field' in arg) {
      name = arg._field;
      value = arg._value;
    } else if (isObject(arg) && Object.keys(arg).length === 1) [[name, value]] = Object.entries(arg) as [[string, unknown]];
    else throw invalid('query.filter', `${op} takes {"_field": …, "_value": …}`);
    const fd = this.field(e, name);
    if (op === '_like' || op === '_match' || op === '_startsWith' || op === '_endsWith') {
      if (typeof value !== 'string') throw invalid('query.filter', `${op} on ${fd.name} takes a string`);
      // Many wildcards make LIKE matching slow: a pattern is kept short and simple.
      if (value.length > 1000 || value.split('*').length > 11) throw invalid('query.filter', `${op} takes at most 1000 characters and 10 "*" wildcards`);
      const s = escapeLike(value);
      const pattern = op === '_startsWith' ? `${s}%` : op === '_endsWith' ? `%${s}` : value.includes('*') ? s.replaceAll('*', '%') : `%${s}%`;
      if (fd.type === 'array') return sql`exists (select 1 from jsonb_array_elements_text(${fd.sql}) as tag(v) where tag.v ilike ${pattern})`;
      return sql`(${fd.sql})::text ilike ${pattern}`;
    }
    if (fd.type === 'array') {
      if (typeof value !== 'string') throw invalid('query.filter', `${fd.name} takes a string`);
      if (op === '_eq') return sql`${fd.sql} @> ${JSON.stringify([value])}::jsonb`;
      if (op === '_ne') return sql`not (${fd.sql} @> ${JSON.stringify([value])}::jsonb)`;
      throw invalid('query.filter', `${op} does not apply to ${fd.name} (a list)`);
    }
    // TheHive 4 scripts filter cases on Open/Resolved.
    if (e === CASE && fd.name === 'status' && (value === 'Open' || value === 'Resolved') && (op === '_eq' || op === '_ne')) {
      const open = sql`c.status in (${sql.join(OPEN_CASE_STATUSES.map((s) => sql`${s}`), sql`, `)})`;
      const cond = value === 'Open' ? open : sql`not ${open}`;
      return op === '_eq' ? cond : sql`not (${cond})`;
    }
    const v = await this.value(fd, value);
    const cmp = { _eq: '=', _ne: '<>', _gt: '>', _gte: '>=', _lt: '<', _lte: '<=', _is: '=' }[op];
    if (!cmp) throw invalid('query.filter', `unknown operator ${op}`);
    if (op === '_ne') return sql`(${fd.sql}) is distinct from ${v}`;
    return sql`(${fd.sql}) ${sql.raw(cmp)} ${v}`;
  }

  /** One filter expression as SQL; `depth` bounds nesting so a hostile query cannot recurse forever. */
  async filter(e: Entity, x: unknown, depth = 0): Promise<SQL> {
    if (depth > 32) throw invalid('query.filter', 'nested too deeply');
    if (!isObject(x)) throw invalid('query.filter', 'a filter is a JSON object');
    const parts: SQL[] = [];
    for (const [k, v] of Object.entries(x)) {
      if (k === '_name') continue;
      if (k === '_and' || k === '_or') {
        if (!Array.isArray(v)) throw invalid('query.filter', `${k} takes a list of filters`);
        if (v.length > 1000) throw invalid('query.filter', `${k} takes at most 1000 filters`);
        const subs = await Promise.all(v.map((s) => this.filter(e, s, depth + 1)));
        parts.push(subs.length ? sql.join(subs.map((s) => sql`(${s})`), k === '_and' ? sql` and ` : sql` or `) : k === '_and' ? sql`true` : sql`false`);
      } else if (k === '_not') parts.push(sql`not (${await this.filter(e, v, depth + 1)})`);
      else if (k === '_any') parts.push(sql`true`);
      else if (['_eq', '_ne', '_gt', '_gte', '_lt', '_lte', '_is', '_like', '_match', '_startsWith', '_endsWith'].includes(k)) parts.push(await this.compare(e, k, v));
      else if (k === '_in') {
        if (!isObject(v) || !Array.isArray(v._values)) throw invalid('query.filter', '_in takes {"_field": …, "_values": […]}');
        if (v._values.length > 1000) throw invalid('query.filter', '_in takes at most 1000 values');
        const fd = this.field(e, v._field);
        if (!v._values.length) parts.push(sql`false`);
        else if (fd.type === 'array') parts.push(sql.join(v._values.map((val) => sql`${fd.sql} @> ${JSON.stringify([String(val)])}::jsonb`), sql` or `));
        else parts.push(sql`(${fd.sql}) in (${sql.join(await Promise.all(v._values.map((val) => this.value(fd, val))), sql`, `)})`);
      } else if (k === '_between') {
        if (!isObject(v)) throw invalid('query.filter', '_between takes {"_field": …, "_from": …, "_to": …}');
        const fd = this.field(e, v._field);
        if (v._from !== undefined) parts.push(sql`(${fd.sql}) >= ${await this.value(fd, v._from)}`);
        if (v._to !== undefined) parts.push(sql`(${fd.sql}) < ${await this.value(fd, v._to)}`);
      } else if (k === '_contains' || k === '_has') {
        const fd = this.field(e, isObject(v) ? v._field : v);
        parts.push(fd.type === 'array' ? sql`jsonb_array_length(${fd.sql}) > 0` : sql`(${fd.sql}) is not null`);
      } else if (k === '_id') {
        if (typeof v !== 'string') throw invalid('query.filter', '_id takes an id');
        const ref = await this.svc.ids.resolve(e.kind, v);
        parts.push(sql`${e.id} = ${ref ?? '\u0000none'}`);
      } else if (k === '_field') parts.push(await this.compare(e, '_eq', { _field: v, _value: x._value }));
      else if (k === '_value') continue;
      else if (k === '_string') throw new CaseError('BadRequest', 'free-text (_string) filters are not supported; use _like on a field');
      else if (!k.startsWith('_')) parts.push(await this.compare(e, '_eq', { [k]: v }));
      else throw invalid('query.filter', `unknown filter operator ${k}`);
    }
    return parts.length ? and(parts) : sql`true`;
  }

  private async sync(kind: 'case-artifacts' | 'alert-artifacts' | 'case-procedures' | 'alert-procedures', c: Compiled): Promise<void> {
    // The pipeline's observables and procedures are materialized for the (at most 1000) parents in play.
    const ids = await this.ids(c, 1000);
    if (kind === 'case-artifacts') await this.svc.syncCaseArtifacts(ids);
    else if (kind === 'alert-artifacts') await this.svc.syncAlertArtifacts(ids);
    else await this.svc.syncProcedures(kind === 'case-procedures' ? 'case' : 'alert', ids);
  }

  private selectIds(c: Compiled): SQL {
    return sql`select ${c.entity.id} from ${c.entity.from} where ${and(c.where)}`;
  }

  private async ids(c: Compiled, limit: number, offset = 0): Promise<string[]> {
    const order = c.order.length ? c.order : c.entity.order;
    const r = await this.svc.db.execute(sql`${this.selectIds(c)} order by ${sql.join([...order, sql`${c.entity.id} asc`], sql`, `)} limit ${limit} offset ${offset}`);
    return ((r as unknown as { rows: Array<{ id: string }> }).rows ?? []).map((x) => Object.values(x)[0] as string);
  }

  /** Runs a query; the answer is a list (or a number for `count`). */
  async run(actor: Actor, body: unknown): Promise<Json[] | number> {
    const q = isObject(body) ? body.query : undefined;
    if (!Array.isArray(q) || !q.length) throw invalid('query', 'a list of operations is required: [{"_name": "listAlert"}, …]');
    if (q.length > 50) throw invalid('query', 'at most 50 operations');
    let c: Compiled | undefined;
    for (const [i, step] of q.entries()) {
      if (!isObject(step) || typeof step._name !== 'string') throw invalid(`query.${i}`, 'each operation needs a "_name"');
      const name = step._name;
      if (i === 0) {
        const start = STARTS[name];
        if (!start) throw invalid('query.0._name', `a query starts with one of ${Object.keys(STARTS).join(', ')}`);
        const where = [start.entity.org(new OrgScope(actor.org)), ...(start.entity.base ? [start.entity.base] : [])];
        if (start.get) {
          const ref = step.idOrName ?? step.id;
          if (typeof ref !== 'string' && typeof ref !== 'number') throw invalid('query.0.idOrName', 'is required');
          where.push(await this.getCondition(actor, start.entity, String(ref)));
        }
        c = { entity: start.entity, where, order: [], extraData: [], count: false };
        if (start.get && !(await this.ids(c, 1)).length) throw new CaseError('NotFoundError', `${start.entity.kind} ${String(step.idOrName ?? step.id)} not found`);
        continue;
      }
      if (!c) break;
      if (c.count) throw invalid(`query.${i}`, 'count must be the last operation');
      if (name === 'filter') c.where.push(await this.filter(c.entity, step));
      else if (name === 'sort') {
        const fields = step._fields;
        if (!Array.isArray(fields)) throw invalid(`query.${i}._fields`, 'a list like [{"_createdAt": "desc"}]');
        for (const s of fields) {
          if (!isObject(s) || Object.keys(s).length !== 1) throw invalid(`query.${i}._fields`, 'each entry is {"field": "asc"|"desc"}');
          const [[name, dir]] = Object.entries(s) as [[string, unknown]];
          if (dir !== 'asc' && dir !== 'desc') throw invalid(`query.${i}._fields`, `sort direction for ${name} is "asc" or "desc"`);
          const fd = this.field(c.entity, name);
          c.order.push(sql`${fd.sql} ${sql.raw(dir)} nulls last`);
        }
      } else if (name === 'page') {
        const from = Number(step.from ?? 0);
        const to = Number(step.to ?? from + this.maxResults);
        if (!Number.isInteger(from) || from < 0 || !Number.isInteger(to) || to < from) throw invalid(`query.${i}`, 'page takes integers 0 <= from <= to');
        c.from = from;
        c.to = Math.min(to, from + this.maxResults);
        if (Array.isArray(step.extraData)) c.extraData = step.extraData.filter((x): x is string => typeof x === 'string').slice(0, 20);
      } else if (name === 'count' || name === 'limitedCount') c.count = true;
      else {
        const hop = HOPS[c.entity.kind]?.[name];
        if (!hop) throw invalid(`query.${i}._name`, `"${name}" does not follow ${c.entity.kind}s (known: filter, sort, page, count${Object.keys(HOPS[c.entity.kind] ?? {}).map((h) => `, ${h}`).join('')})`);
        if (hop.sync) await this.sync(hop.sync, c);
        c = { entity: hop.to, where: [hop.to.org(new OrgScope(actor.org)), ...(hop.to.base ? [hop.to.base] : []), hop.link(this.selectIds(c))], order: [], extraData: [], count: false };
      }
    }
    if (!c) throw invalid('query', 'empty query');
    if (c.count) {
      const r = await this.svc.db.execute(sql`select count(*)::int as n from ${c.entity.from} where ${and(c.where)}`);
      return Number(((r as unknown as { rows: Array<{ n: number }> }).rows ?? [])[0]?.n ?? 0);
    }
    const from = c.from ?? 0;
    const ids = await this.ids(c, (c.to ?? from + this.maxResults) - from, from);
    return this.load(actor, c.entity.kind, ids, c.extraData);
  }

  private async getCondition(actor: Actor, e: Entity, ref: string): Promise<SQL> {
    if (e === CASE) {
      try {
        return sql`c.id = ${(await this.svc.case(actor, ref)).id}`;
      } catch {
        return sql`false`;
      }
    }
    const id = await this.svc.ids.resolve(e.kind, ref);
    return sql`${e.id} = ${id ?? '\u0000none'}`;
  }

  /** Full rows for ids, in the given order, as TheHive output. */
  async load(actor: Actor, kind: HiveKind, ids: string[], extraData: string[] = []): Promise<Json[]> {
    if (!ids.length) return [];
    const order = new Map(ids.map((id, i) => [id, i]));
    const sorted = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    const db = this.svc.db;
    switch (kind) {
      case 'alert':
        return alertsOut(this.svc, sorted(await db.select().from(t.alerts).where(inArray(t.alerts.id, ids))), { extraData });
      case 'case':
        return casesOut(this.svc, actor.org, sorted(await db.select().from(t.cases).where(inArray(t.cases.id, ids))), { extraData });
      case 'task':
        return tasksOut(this.svc, sorted(await db.select().from(t.tasks).where(inArray(t.tasks.id, ids))), { extraData });
      case 'observable':
        return artifactsOut(this.svc, actor.org, sorted(await db.select().from(t.artifacts).where(inArray(t.artifacts.id, ids))));
      case 'log':
        return logsOut(this.svc, sorted(await db.select().from(t.taskLogs).where(inArray(t.taskLogs.id, ids))));
      case 'comment':
        return commentsOut(this.svc, sorted(await db.select().from(t.comments).where(inArray(t.comments.id, ids))));
      case 'procedure':
        return proceduresOut(this.svc, sorted(await db.select().from(t.procedures).where(inArray(t.procedures.id, ids))));
    }
  }
}
