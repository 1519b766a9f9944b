// The server's JSON, typed for the screens. The session cookie rides along on every same-origin
// request; no key is ever kept in the page.

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export const SEVERITIES: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
export type Role = 'admin' | 'analyst' | 'read-only' | 'ingest';

export interface Who {
  name: string;
  role: Role;
  org: string;
  via: 'session' | 'key';
  expiresAt?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();
/** Called when the server says the session is gone, so the shell can show the sign-in screen. */
export function onSignedOut(l: Listener): () => void {
  signedOutListeners.add(l);
  return () => signedOutListeners.delete(l);
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `Vigil did not answer (${(e as Error).message}). Is \`vigil serve\` running?`);
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    const e = new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (typeof data === 'string' && data ? data.slice(0, 300) : res.statusText), err?.field);
    if (res.status === 401 && !url.startsWith('/api/session')) for (const l of signedOutListeners) l();
    throw e;
  }
  return data as T;
}

export const api = {
  get: <T>(url: string) => request<T>('GET', url),
  post: <T>(url: string, body?: unknown) => request<T>('POST', url, body ?? {}),
  patch: <T>(url: string, body: unknown) => request<T>('PATCH', url, body),
  del: <T>(url: string) => request<T>('DELETE', url),
};

/** A query string from the defined values. */
export function qs(params: Record<string, string | number | boolean | undefined | null | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) p.set(k, v.join(','));
    } else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

// ---- shapes ----

export interface Stats {
  generatedAt: string;
  totals: { alerts: number; cases: number; openCases: number; observables: number; indicators: number; feeds: number };
  openCasesBySeverity: Record<Severity, number>;
  casesByStatus: Record<string, number>;
  alertsOverTime: { range: string; bucketSeconds: number; from: string | null; to: string | null; buckets: Array<{ start: string; total: number } & Record<Severity, number>> };
  topObservables: Array<{ type: string; value: string; verdict: string | null; riskScore: number | null; cases: number }>;
  topRules: Array<{ ruleId: string; source: string; title: string; alerts: number; maxSeverity: Severity }>;
  providers: Array<{
    id: string;
    remote: boolean;
    enabled: boolean;
    reason?: string;
    quota?: Array<{ limit: number; per: string; used: number; remaining: number }>;
    queued?: number;
    pausedUntil?: string;
    breaker?: { state: string; failures: number; retryAt?: string };
    calls?: Record<string, number>;
    lastError?: { at: string; message: string };
  }>;
  playbookRuns: Array<{ id: string; playbook: string; caseNumber: number | null; status: string; dryRun: boolean; startedAt: string; finishedAt: string | null; error: string | null }>;
  pendingApprovals: number;
  notifications: Record<string, number>;
}

export interface CaseRow {
  id: string;
  number: number;
  title: string;
  status: string;
  severity: Severity;
  score: number;
  alertCount: number;
  firstAlertAt: string;
  lastAlertAt: string;
  updatedAt: string;
  tags: string[];
  openTasks: number;
  pendingApprovals: number;
}

export interface IntelResult {
  provider: string;
  verdict: string;
  score: number;
  evidence: string[];
  tags: string[];
  firstSeen?: string;
  lastSeen?: string;
  partial?: boolean;
  error?: string;
}

export interface Task {
  id: string;
  title: string;
  description: string;
  group: string;
  status: 'Waiting' | 'InProgress' | 'Completed' | 'Cancel';
  createdBy: string;
  createdAt: string;
}

export interface CaseAlert {
  id: string;
  source: string;
  sourceRef: string;
  time: string;
  title: string;
  ruleId: string;
  ruleLevel: number;
  host: string;
  hostRole?: string;
  severity: Severity;
  score: number;
}

export interface CaseObservable {
  type: string;
  value: string;
  scope?: string;
  role?: string;
  risk?: { score: number; verdict: string };
  intel: IntelResult[];
  /** How the case got it when it was not written plainly (decoded from a command line, unwrapped from a link). */
  provenance?: { field?: string; layers?: string[]; wrapper?: string };
}

export interface TimelineEntry {
  id: number;
  at: string;
  kind: string;
  message: string;
  actor: string;
}

export interface RuleGroup {
  source: string;
  ruleId: string;
  title: string;
  ruleLevel: number;
  severity: Severity;
  alerts: number;
  hosts: number;
  firstAt: string;
  lastAt: string;
}

/** The case as its report sees it: a big case's lists are a window, `totals` counts everything. */
export interface CaseReport {
  generatedAt: string;
  case: { id: string; number: number; title: string; status: string; severity: Severity; createdAt: string; updatedAt: string; summary: string; tags: string[] };
  assessment: { severity: Severity; score: number; reasons: Array<{ factor: string; detail: string; delta: number }> };
  timeline: Array<Omit<TimelineEntry, 'id'>>;
  alerts: CaseAlert[];
  observables: CaseObservable[];
  totals?: { alerts: number; observables: number; timeline: number };
  actions: Array<{ id: string; playbook: string; action: string; status: string; target: string; reason: string; details: Record<string, unknown>; at: string; artifact?: string }>;
  tasks: Task[];
  mitre: Array<{ id: string; tactic?: string; technique?: string }>;
}

export interface Note {
  id: string;
  message: string;
  createdBy: string;
  createdAt: string;
}

export interface PlaybookRun {
  id: string;
  playbook: string;
  trigger: string;
  status: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  steps: unknown;
}

/** One effect on the outside world from the response ledger (GET /api/response). */
export interface ResponseEffect {
  id: string;
  kind: string;
  target: string;
  state: string;
  status: string;
  since: string;
  expiresAt: string | null;
  releasedAt: string | null;
  releaseReason: string | null;
  holders: Array<{ caseNumber: number | null; caseTitle: string | null; caseStatus: string | null; joinedAt: string; expiresAt: string | null; releasedAt: string | null; releaseReason: string | null; first: boolean }>;
}

export interface Approval {
  id: string;
  runId: string;
  stepId: string;
  status: string;
  message: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

export interface EnrichedRow {
  type: string;
  value: string;
  raw?: string;
  defanged: boolean;
  occurrences: number;
  scope?: string;
  looked: boolean;
  note?: string;
  verdict: string;
  score: number;
  evidence: string[];
  results: IntelResult[];
  cached?: string[];
  warninglist?: string;
}

export interface EnrichResponse {
  observables: EnrichedRow[];
  providers: string[];
  counts: Record<string, number>;
  truncated: boolean;
}

export interface IocMatch {
  feed: string;
  feedId: string | null;
  format: string | null;
  type: string;
  value: string;
  matchedBy: string;
  tags: string[];
  malware: string | null;
  threat: string | null;
  confidence: number | null;
  firstSeen: string | null;
  lastSeen: string | null;
  validUntil: string | null;
  expired: boolean;
  reference: string | null;
  line: number | null;
  importedAt: string | null;
}

export interface Feed {
  id: string;
  name: string;
  format: string;
  source: string;
  indicators: number;
  live: number;
  expired: number;
  issues: number;
  ttlDays: number | null;
  importedAt: string;
}

export interface FeedImport {
  name: string;
  format: string;
  status: 'imported' | 'unchanged' | 'failed';
  indicators: number;
  expired?: number;
  issues: Array<{ line?: number; field?: string; reason: string }>;
  issueCount: number;
  error?: string;
  indexed: number;
}

export interface Mailbox {
  name: string;
  address: string;
  domain: string;
}

export interface PhishAnalysis {
  id: string;
  sha256: string;
  reportUrl: string;
  file: string;
  verdict: 'clean' | 'suspicious' | 'phishing' | 'malicious';
  /** Probability in percent. */
  score: number;
  probability: number;
  category: 'phishing' | 'bec-fraud' | 'malware' | 'spam' | 'ham';
  reasons: Array<{ feature: string; points: number; describe: string }>;
  findings: Array<{ id: string; weight: number; message: string; evidence: string }>;
  headers: { from: Mailbox | null; replyTo: Mailbox[]; returnPath: string | null; to: Mailbox[]; subject: string; date: string | null; messageId: string | null; mailer: string | null; originatingIp: string | null };
  auth: {
    spf: { result: string; domain: string | null; aligned: boolean | null; source: string; verified: boolean } | null;
    dkim: Array<{ result: string; domain: string | null; selector: string | null; aligned: boolean | null; source: string; verified: boolean; reason?: string }>;
    dmarc: { result: string; domain: string | null; policy: string | null; source: string; verified: boolean } | null;
    arc: { result: string; instances: number; sealers: string[]; source: string; verified: boolean } | null;
    alignment: { spf: boolean; dkim: boolean; pass: boolean };
    verification: string;
  };
  hops: Array<{ index: number; from: string | null; helo: string | null; rdns: string | null; ip: string | null; by: string | null; with: string | null; date: string | null; delaySeconds: number | null; scope: string | null; external: boolean; firstExternal: boolean; flags: string[] }>;
  links: Array<{ url: string; text: string; host: string | null; registrableDomain: string | null; source: string; flags: string[] }>;
  attachments: Array<{ filename: string; path: string[]; declaredType: string; detectedType: string; size: number; sha256: string; flags: string[]; entries?: Array<{ name: string; size: number; encrypted: boolean; flags: string[] }> }>;
  iocs: Record<string, string[]>;
  enrichment?: Array<{ type: string; value: string; role: string; verdict: string; score: number; evidence: string[] }>;
  size: number;
  limits: string[];
  alertId?: string;
  cases?: number[];
}
