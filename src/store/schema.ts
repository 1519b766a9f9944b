import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, real, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';

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
    /**
     * The alert's rule groups, kept beside `data` so a case's groups are read without decompressing
     * every alert body (a playbook's rule_groups trigger asks for them on every response round).
     */
    ruleGroups: jsonb('rule_groups').$type<string[] | null>().generatedAlwaysAs(sql`data->'rule'->'groups'`),
    ingestedAt: ts('ingested_at').notNull().default(sql`now()`),
    // TheHive-compatible case management (src/cases): pipeline alerts keep the defaults.
    /** Organisation the alert belongs to; the pipeline's alerts are in `default`. */
    org: text('org').notNull().default('default'),
    /** TheHive's alert type; with org, source and sourceRef it identifies an alert (duplicates are refused). */
    type: text('type').notNull().default('vigil'),
    /** TheHive alert status when set by hand (null: New, or Imported once in a case). */
    hiveStatus: text('hive_status'),
    tlp: integer('tlp').notNull().default(2),
    pap: integer('pap').notNull().default(2),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    flag: boolean('flag').notNull().default(false),
    customFields: jsonb('custom_fields').$type<Record<string, { value: unknown; order: number }>>().notNull().default({}),
    /** externalLink, summary, caseTemplate, assignee, follow. */
    extra: jsonb('extra').$type<Record<string, unknown>>().notNull().default({}),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
  },
  (t) => [
    uniqueIndex('alerts_org_type_source_ref').on(t.org, t.type, t.source, t.sourceRef),
    index('alerts_case_time').on(t.caseId, t.time),
    index('alerts_time').on(t.time),
    index('alerts_source_ref_only').on(t.sourceRef),
  ],
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
    // TheHive-compatible case management (src/cases): pipeline cases keep the defaults.
    /** Organisation the case belongs to; the pipeline's cases are in `default`. */
    org: text('org').notNull().default('default'),
    description: text('description').notNull().default(''),
    tlp: integer('tlp').notNull().default(2),
    pap: integer('pap').notNull().default(2),
    flag: boolean('flag').notNull().default(false),
    assignee: text('assignee'),
    startDate: ts('start_date'),
    /** When the case was closed (status left New/InProgress). */
    endDate: ts('end_date'),
    inProgressAt: ts('in_progress_at'),
    /** NotApplicable | WithImpact | NoImpact, set on close. */
    impactStatus: text('impact_status'),
    customFields: jsonb('custom_fields').$type<Record<string, { value: unknown; order: number }>>().notNull().default({}),
    /** The case template it was made from. */
    template: text('template'),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
  },
  (t) => [uniqueIndex('cases_number').on(t.number), index('cases_status').on(t.status), index('cases_org').on(t.org)],
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
    /**
     * How the case first got it when it was not written plainly: the field, the decoding layers
     * (`powershell-enc`, `safelinks`, …) and the wrapping link. Null for plain values.
     */
    provenance: jsonb('provenance').$type<{ field?: string; layers?: string[]; wrapper?: string } | null>(),
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
    flag: boolean('flag').notNull().default(false),
    order: integer('order').notNull().default(0),
    startDate: ts('start_date'),
    endDate: ts('end_date'),
    dueDate: ts('due_date'),
    assignee: text('assignee'),
    mandatory: boolean('mandatory').notNull().default(false),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
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
    /** The run that did it, when recorded by the playbook engine. */
    runId: text('run_id'),
    /** When what the action did lapses (a block's TTL), and when it was undone. */
    expiresAt: ts('expires_at'),
    undoneAt: ts('undone_at'),
  },
  (t) => [index('actions_case').on(t.caseId), index('actions_expires').on(t.expiresAt)],
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
    /** pending | sent | retrying | dead | suppressed | digested */
    status: text('status').notNull(),
    error: text('error'),
    createdAt: ts('created_at').notNull(),
    /** Routing rule that sent it, when routing is configured. */
    route: text('route'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    deliveredAt: ts('delivered_at'),
    /** Everything needed to send it again (`vigil notify retry`): the rendered message without attachments' bytes. */
    payload: jsonb('payload'),
  },
  (t) => [index('notifications_case').on(t.caseId), index('notifications_status').on(t.status)],
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

/** Remote intel answers, keyed by provider + a hash of its config + observable, so a config change misses. */
export const intelCache = pgTable(
  'intel_cache',
  {
    key: text('key').primaryKey(),
    provider: text('provider').notNull(),
    observableType: text('observable_type').notNull(),
    observableValue: text('observable_value').notNull(),
    result: jsonb('result').notNull(),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('intel_cache_expires').on(t.expiresAt), index('intel_cache_provider').on(t.provider)],
);

/** Where each live source is up to (file inode + offset, search_after cursor), its lag and last error. */
export const sourceCheckpoints = pgTable('source_checkpoints', {
  source: text('source').primaryKey(),
  kind: text('kind').notNull(),
  position: jsonb('position').notNull(),
  delivered: bigint('delivered', { mode: 'number' }).notNull().default(0),
  lastEventAt: ts('last_event_at'),
  lastError: text('last_error'),
  lastErrorAt: ts('last_error_at'),
  updatedAt: ts('updated_at').notNull(),
});

/** API keys: only a hash is kept; the key itself is shown once, when created. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** admin | analyst | read-only | ingest */
    role: text('role').notNull(),
    org: text('org').notNull().default('default'),
    /** sha256 of the key, hex. */
    hash: text('hash').notNull(),
    /** The first characters of the key, to tell keys apart in lists. */
    prefix: text('prefix').notNull(),
    createdAt: ts('created_at').notNull(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash)],
);

/** One playbook run: every step's inputs, outputs, timings and outcome, and the state to resume it. */
export const playbookRuns = pgTable(
  'playbook_runs',
  {
    id: text('id').primaryKey(),
    playbook: text('playbook').notNull(),
    caseId: text('case_id').notNull(),
    trigger: text('trigger').notNull(),
    /** running | waiting_approval | succeeded | failed | rejected | expired */
    status: text('status').notNull(),
    dryRun: boolean('dry_run').notNull().default(true),
    steps: jsonb('steps').notNull().default([]),
    /** What a paused run needs to go on after an approval (the case snapshot, outputs so far). */
    state: jsonb('state'),
    error: text('error'),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at'),
    deadlineAt: ts('deadline_at'),
  },
  (t) => [index('playbook_runs_case').on(t.caseId), index('playbook_runs_status').on(t.status)],
);

/** A step waiting for a human: approved or rejected through the API or `vigil playbooks approve`. */
export const approvals = pgTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    caseId: text('case_id').notNull(),
    /** pending | approved | rejected | expired */
    status: text('status').notNull(),
    message: text('message').notNull().default(''),
    requestedAt: ts('requested_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    reason: text('reason'),
  },
  (t) => [index('approvals_run').on(t.runId), index('approvals_status').on(t.status)],
);

/**
 * The response ledger: one row per effect on the outside world, keyed by (action, canonical target)
 * and shared by every case and both run modes. The first case that wants it runs the action; later
 * cases join as holders (no second firewall command). It is undone once, when the last holder's time
 * ends or every holding case was closed as a false positive.
 */
export const responseEffects = pgTable(
  'response_effects',
  {
    /** `eff_<hash of kind and target>`: the same effect has the same id in every process. */
    id: text('id').primaryKey(),
    /** The action that makes the effect (`block-ip`, `isolate-host`). */
    kind: text('kind').notNull(),
    /** The canonical target: an address in canonical form, a host's canonical name. */
    target: text('target').notNull(),
    /** pending (a process is running the action) | active | releasing (the undo is running) | released */
    state: text('state').notNull(),
    /** simulated (dry run: only recorded) | executed (a real system was changed) */
    status: text('status').notNull().default('simulated'),
    /** The case and action record that made it; its details are what the undo needs (an adapter's rule id). */
    caseId: text('case_id').notNull(),
    actionId: text('action_id').notNull(),
    details: jsonb('details').notNull().default({}),
    since: ts('since').notNull(),
    /** The latest end among its holders; null while a holder wants it without end (a containment). */
    expiresAt: ts('expires_at'),
    claimedAt: ts('claimed_at').notNull(),
    releasedAt: ts('released_at'),
    releaseReason: text('release_reason'),
  },
  (t) => [uniqueIndex('response_effects_key').on(t.kind, t.target), index('response_effects_due').on(t.state, t.expiresAt)],
);

/** The cases that want an effect, each with its own end; a case closed as a false positive lets go. */
export const responseHolders = pgTable(
  'response_holders',
  {
    effectId: text('effect_id').notNull(),
    caseId: text('case_id').notNull(),
    /** The case's action record (`joined` for every holder after the first). */
    actionId: text('action_id').notNull(),
    joinedAt: ts('joined_at').notNull(),
    /** When this case stops wanting the effect; null for no end. */
    expiresAt: ts('expires_at'),
    releasedAt: ts('released_at'),
    releaseReason: text('release_reason'),
  },
  (t) => [primaryKey({ columns: [t.effectId, t.caseId] }), index('response_holders_case').on(t.caseId)],
);

// ---- TheHive-compatible case management (src/cases, src/api/thehive, src/connectors/thehive) ----

/**
 * The numeric ids TheHive clients see (`~4096`), one per entity, given out the first time an entity
 * is shown; the entity keeps its Vigil id, so the mapping goes both ways.
 */
export const hiveIds = pgTable(
  'hive_ids',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** alert | case | task | observable | log | comment | procedure */
    kind: text('kind').notNull(),
    ref: text('ref').notNull(),
  },
  (t) => [uniqueIndex('hive_ids_kind_ref').on(t.kind, t.ref)],
);

/**
 * Observables as TheHive shows them: one per case or alert, with TLP, IOC flag, tags and message.
 * Those with a Vigil type also link to the shared `observables` row (enrichment, "also seen in").
 */
export const artifacts = pgTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    /** case | alert */
    parentKind: text('parent_kind').notNull(),
    parentId: text('parent_id').notNull(),
    dataType: text('data_type').notNull(),
    data: text('data').notNull(),
    /** The shared observable (observables.id) when the data type maps to a Vigil type. */
    observableId: text('observable_id'),
    message: text('message'),
    tlp: integer('tlp').notNull().default(2),
    pap: integer('pap').notNull().default(2),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    ioc: boolean('ioc').notNull().default(false),
    sighted: boolean('sighted').notNull().default(false),
    sightedAt: ts('sighted_at'),
    ignoreSimilarity: boolean('ignore_similarity').notNull().default(false),
    startDate: ts('start_date').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
  },
  (t) => [
    uniqueIndex('artifacts_parent_data').on(t.parentKind, t.parentId, t.dataType, t.data),
    index('artifacts_parent').on(t.parentId),
    index('artifacts_observable').on(t.observableId),
  ],
);

export const taskLogs = pgTable(
  'task_logs',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id').notNull(),
    caseId: text('case_id').notNull(),
    message: text('message').notNull(),
    date: ts('date').notNull(),
    includeInTimeline: ts('include_in_timeline'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
  },
  (t) => [index('task_logs_task').on(t.taskId)],
);

/** Comments on a case or an alert. */
export const comments = pgTable(
  'comments',
  {
    id: text('id').primaryKey(),
    /** case | alert */
    parentKind: text('parent_kind').notNull(),
    parentId: text('parent_id').notNull(),
    message: text('message').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
  },
  (t) => [index('comments_parent').on(t.parentId)],
);

/** MITRE ATT&CK procedures of a case or an alert (entered by hand, or taken from the alerts' rules). */
export const procedures = pgTable(
  'procedures',
  {
    id: text('id').primaryKey(),
    /** case | alert */
    parentKind: text('parent_kind').notNull(),
    parentId: text('parent_id').notNull(),
    patternId: text('pattern_id').notNull(),
    patternName: text('pattern_name'),
    /** ATT&CK tactic short name: `credential-access`. */
    tactic: text('tactic').notNull(),
    occurDate: ts('occur_date').notNull(),
    description: text('description'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedBy: text('updated_by'),
    updatedAt: ts('updated_at'),
    /** Deleted by hand: kept so the technique is not taken from the alerts' rules again. */
    deletedAt: ts('deleted_at'),
  },
  (t) => [uniqueIndex('procedures_parent_pattern').on(t.parentKind, t.parentId, t.patternId, t.tactic), index('procedures_parent').on(t.parentId)],
);

/**
 * The TheHive connector's queue and id mapping: one row per Vigil alert or case pushed (or to push)
 * to a remote TheHive, with its remote id, the hash of what was last sent, and the retry state.
 */
export const thehiveSync = pgTable(
  'thehive_sync',
  {
    /** alert | case */
    kind: text('kind').notNull(),
    localId: text('local_id').notNull(),
    remoteId: text('remote_id'),
    /** For an alert: the remote case it was merged into. */
    remoteCaseId: text('remote_case_id'),
    /** Hash of what was last pushed; a change makes the row pending again. */
    pushedHash: text('pushed_hash'),
    wantedHash: text('wanted_hash'),
    /** pending | synced | failed */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lastError: text('last_error'),
    pushedAt: ts('pushed_at'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.localId] }), index('thehive_sync_due').on(t.status, t.nextAttemptAt)],
);
