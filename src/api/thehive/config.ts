import { z } from 'zod';
import { CaseTemplate } from '../../cases/templates.js';
import { TheHiveConnectorConfig } from '../../connectors/thehive/config.js';

/** `thehive:` — the TheHive-compatible API, case templates, and the connector to a real TheHive (docs/thehive.md). */
export const TheHiveConfig = z
  .strictObject({
    /** Where the TheHive v1 API is mounted: clients use `http://HOST:PORT<prefix>` as TheHive's URL. */
    prefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'a path like /thehive (or empty for the root)')
      .default('/thehive'),
    /**
     * Alerts created through the TheHive API go through Vigil's pipeline (enrichment, assessment,
     * grouping into cases, playbooks) instead of waiting to be promoted or merged. Only alerts of the
     * `default` organisation are grouped, since that is where the pipeline's cases live.
     */
    groupAlerts: z.boolean().default(false),
    /** Case templates (`caseTemplate: NAME` on a case, an alert or a promotion). */
    caseTemplates: z.array(CaseTemplate).default([]),
    /** A folder of case template YAML files (one template, or a list, per file). */
    caseTemplatesDir: z.string().optional(),
    /** Most items one query page or list may return. */
    maxResults: z.number().int().min(1).max(100_000).default(10_000),
    connector: TheHiveConnectorConfig.prefault({}),
  });
export type TheHiveConfig = z.infer<typeof TheHiveConfig>;
