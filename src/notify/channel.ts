import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Severity } from '../core/types.js';
import type { Secrets } from './secrets.js';

/** One message to deliver, rendered once and handed to every channel. */
export interface OutgoingNotification {
  /** Stable per case + severity: delivering it twice writes or sends nothing new. */
  id: string;
  caseId: string;
  caseNumber: number;
  severity: Severity;
  subject: string;
  text: string;
  html: string;
  /**
   * Structured summary for machine consumers (webhooks, the outbox JSON envelope): a
   * `case.notification` or `case.digest` document, version 1 (src/notify/payload.ts).
   */
  data: Record<string, unknown>;
  /** The route's template (`standard`, `brief`, `full`); chat channels shorten their layout for `brief`. */
  template?: string;
  attachments: Array<{ filename: string; contentType: string; content: string | Uint8Array }>;
}

export interface ChannelContext {
  /** The run's output folder (the outbox lives under it). */
  outDir: string;
  clock: Clock;
  fetch: typeof fetch;
  /** Webhook URLs and passwords come from here (environment or secrets file), never from the config. */
  secrets: Secrets;
}

export interface NotificationChannelInstance {
  /**
   * Delivers one notification; returns where it went (a path, a URL, a message id). Throws a
   * `DeliveryError` (src/notify/errors.ts) saying whether a retry can help and how long to wait;
   * its message must never contain a secret.
   */
  send(n: OutgoingNotification): Promise<{ location: string }>;
}

/** A way to tell people. One folder under `src/notify/channels/` per channel, listed in `registry.ts`. */
export interface NotificationChannelDefinition<C = unknown> {
  /** Equals the folder name: `outbox`, `slack`. */
  id: string;
  description: string;
  /** True when it sends over the network (then it needs explicit config to be enabled). */
  remote: boolean;
  configSchema: z.ZodType<C>;
  create(config: C, ctx: ChannelContext): NotificationChannelInstance | { disabled: string };
}

export function defineNotificationChannel<C>(def: NotificationChannelDefinition<C>): NotificationChannelDefinition<C> {
  return def;
}
