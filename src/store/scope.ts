// Tenancy in one place. Every store-backed route asks `OrgScope` for the condition that keeps a
// query inside the caller's organisation, instead of writing `org = …` by hand (and forgetting it
// once, as the playbook routes did). Other organisations' rows are "not found", never "forbidden":
// a key must not learn that a case number or run id exists elsewhere.
import { eq, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import * as t from './schema.js';

/**
 * The organisation the pipeline works for: webhook and file ingestion, live sources, playbooks,
 * feed imports and the distributed mode's dead letters are its own. Other organisations have the
 * cases and alerts they create through the TheHive API, and read the shared IOC database.
 */
export const PIPELINE_ORG = 'default';

/** What one organisation may see and change in the store. */
export class OrgScope {
  constructor(readonly org: string) {}

  /** True for the pipeline's organisation, which owns installation-wide state (see PIPELINE_ORG). */
  get ownsPipeline(): boolean {
    return this.org === PIPELINE_ORG;
  }

  /** `column = org`, for a table that has its own organisation column (alerts, cases). */
  owns(orgColumn: AnyColumn): SQL {
    return eq(orgColumn, this.org);
  }

  /** The same for a raw query, on a table alias: `c.org = …`. */
  ownsAlias(alias: string): SQL {
    return sql`${sql.raw(`${alias}.org`)} = ${this.org}`;
  }

  /** A case id (column or expression) that names a case of this organisation. */
  caseIn(caseId: AnyColumn | SQL): SQL {
    return sql`${caseId} in (select ${t.cases.id} from ${t.cases} where ${t.cases.org} = ${this.org})`;
  }

  /** An alert or case (by kind and id) of this organisation: the parent of artifacts, comments, procedures. */
  parentIn(kind: AnyColumn | SQL, id: AnyColumn | SQL): SQL {
    return sql`(case ${kind} when 'case' then ${this.caseIn(id)} else ${id} in (select ${t.alerts.id} from ${t.alerts} where ${t.alerts.org} = ${this.org}) end)`;
  }

  /** Installation-wide reads (live sources, dead letters, process metrics, playbook definitions) show nothing to other organisations. */
  pipelineOnly<T>(value: T, empty: T): T {
    return this.ownsPipeline ? value : empty;
  }

  /** Why another organisation cannot make a pipeline-wide change, for a 403. */
  pipelineRefusal(what: string): string {
    return `${what} belongs to organisation "${PIPELINE_ORG}" (the pipeline's); this key is of "${this.org}"`;
  }
}

/** The scope of a request: the organisation of its API key. A request without a key has no scope. */
export function scopeOf(req: { apiKey?: { org: string } }): OrgScope {
  if (!req.apiKey) throw new Error('scopeOf: the request has no API key (the route must not be public)');
  return new OrgScope(req.apiKey.org);
}
