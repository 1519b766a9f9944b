import type { NotificationChannelDefinition } from './channel.js';
import discord from './channels/discord/index.js';
import email from './channels/email/index.js';
import outbox from './channels/outbox/index.js';
import slack from './channels/slack/index.js';
import webhook from './channels/webhook/index.js';

export const NOTIFICATION_CHANNELS: readonly NotificationChannelDefinition<never>[] = [outbox, slack, discord, webhook, email] as never;

export function getChannel(id: string): NotificationChannelDefinition<unknown> | undefined {
  return NOTIFICATION_CHANNELS.find((c) => c.id === id) as NotificationChannelDefinition<unknown> | undefined;
}
