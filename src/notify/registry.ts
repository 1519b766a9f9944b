import type { NotificationChannelDefinition } from './channel.js';
import outbox from './channels/outbox/index.js';

export const NOTIFICATION_CHANNELS: readonly NotificationChannelDefinition<never>[] = [outbox] as never;

export function getChannel(id: string): NotificationChannelDefinition<unknown> | undefined {
  return NOTIFICATION_CHANNELS.find((c) => c.id === id) as NotificationChannelDefinition<unknown> | undefined;
}
