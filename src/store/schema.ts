import { sql } from 'drizzle-orm';
import { bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, real, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * timestamptz read back as ISO 8601 UTC (`2026-11-18T09:14:02.113Z`) on both drivers, whatever text
 * form the server sends (`2026-11-18 09:14:02.113+00`), so the API and reports show one format.
 */
const ts = customType<{ data: string; driverData: string | Date }>({
  dataType: () => 'timestamp with time zone',
  fromDriver: (v) => new Date(v).toISOString(),
  toDriver: (v) => v,
});

export const alerts = pgTable(
  'alerts',
  {
    /** alertId(source, sourceRef): re-ingesting the same alert hits this key. */
    id: text('id').primaryKey(),
    source: text('source').notNull(),
    sourceRef: text('source_ref').notNull(),
    time: ts('time').notNull(),
    title: text('title').notNull(),
    ruleId: text('rule_id').notNull(),
    ruleLevel: integer('rule_level').notNull(),
    host: text('host').notNull(),
    severity: text('severity').notNull(),
    score: real('score').notNull(),
    caseId: text('case_id'),
    /** The normalized alert with its observables and assessment. */
    data: jsonb('data').notNull(),
    ingestedAt: ts('ingested_at').notNull().default(sql`now()`),
  },
  (t) => [uniqueIndex('alerts_source_ref').on(t.source, t.sourceRef), index('alerts_case').on(t.caseId), index('alerts_time').on(t.time)],
);

export const cases = pgTable(
  'cases',
  {
    id: text('id').primaryKey(),
    number: serial('number').notNull(),
    title: text('title').notNull(),
    status: text('status').notNull().default('New'),
    severity: text('severity').notNull(),
    score: real('score').notNull(),
    summary: text('summary').notNull().default(''),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    /** The assessment behind the current severity. */
    assessment: jsonb('assessment').notNull(),
    alertCount: integer('alert_count').notNull().default(0),
    firstAlertAt: ts('first_alert_at').notNull(),
    lastAlertAt: ts('last_alert_at').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [uniqueIndex('cases_number').on(t.number), index('cases_status').on(t.status)],
);

/** What alerts of a case share (`o:ipv4:1.2.3.4`, `r:wazuh:5712`, `h:web-01`), for grouping new alerts. */
export const caseKeys = pgTable(
  'case_keys',
  {
    key: text('key').notNull(),
    caseId: text('case_id').notNull(),
    firstSeen: ts('first_seen').notNull(),
    lastSeen: ts('last_seen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.caseId] }), index('case_keys_case').on(t.caseId)],
);

export const observables = pgTable(
  'observables',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    value: text('value').notNull(),
    scope: text('scope'),
    riskScore: real('risk_score'),
    verdict: text('verdict'),
    /** The latest normalized results per provider. */
    intel: jsonb('intel').notNull().default([]),
    firstSeen: ts('first_seen').notNull(),
    lastSeen: ts('last_seen').notNull(),
  },
  (t) => [uniqueIndex('observables_type_value').on(t.type, t.value)],
);

export const caseObservables = pgTable(
  'case_observables',
  {
    caseId: text('case_id').notNull(),
    observableId: text('observable_id').notNull(),
    role: text('role'),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.observableId] }), index('case_observables_obs').on(t.observableId)],
);

export const tasks = pgTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    group: text('group').notNull().default('default'),
    status: text('status').notNull().default('Waiting'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('tasks_case').on(t.caseId)],
);

export const actions = pgTable(
  'actions',
  {
    /** Stable per case + playbook + step + target, so a re-run records nothing twice. */
    id: text('id').primaryKey(),
    caseId: text('case_id').notNull(),
    playbook: text('playbook').notNull(),
    action: text('action').notNull(),
    status: text('status').notNull(),
    target: text('target').notNull(),
    reason: text('reason').notNull().default(''),
    details: jsonb('details').notNull().default({}),
    artifact: text('artifact'),
    at: ts('at').notNull(),
  },
  (t) => [index('actions_case').on(t.caseId)],
);

export const notifications = pgTable(
  'notifications',
  {
    /** Stable per case + severity + channel: the same case does not notify twice at one severity. */
    id: text('id').primaryKey(),
    caseId: text('case_id').notNull(),
    channel: text('channel').notNull(),
    severity: text('severity').notNull(),
    subject: text('subject').notNull(),
    location: text('location'),
    status: text('status').notNull(),
    error: text('error'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('notifications_case').on(t.caseId)],
);

/** Every change Vigil makes, in order; a case's timeline is its rows here. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    caseId: text('case_id'),
    subject: text('subject').notNull().default(''),
    message: text('message').notNull(),
    data: jsonb('data'),
  },
  (t) => [index('audit_case').on(t.caseId, t.id)],
);

export const feeds = pgTable('feeds', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  format: text('format').notNull(),
  source: text('source').notNull(),
  contentHash: text('content_hash').notNull(),
  indicatorCount: integer('indicator_count').notNull(),
  issueCount: integer('issue_count').notNull().default(0),
  ttlDays: integer('ttl_days'),
  importedAt: ts('imported_at').notNull(),
});

export const indicators = pgTable(
  'indicators',
  {
    feedId: text('feed_id').notNull(),
    type: text('type').notNull(),
    value: text('value').notNull(),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    malware: text('malware'),
    threat: text('threat'),
    confidence: integer('confidence'),
    firstSeen: text('first_seen'),
    lastSeen: text('last_seen'),
    validUntil: text('valid_until'),
    matchSubdomains: boolean('match_subdomains').notNull().default(false),
    reference: text('reference'),
    line: integer('line').notNull(),
  },
  (t) => [primaryKey({ columns: [t.feedId, t.type, t.value] }), index('indicators_value').on(t.value)],
);

/** Positions of sources and other small state that must survive a restart. */
export const kv = pgTable('kv', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull(),
});
