import { z } from 'zod';
import { stableId } from '../../../core/ids.js';
import { Severity } from '../../../core/types.js';
import { actionConfig, defineResponseAction, retryableFailure } from '../../action.js';

export const NotifyInput = z.strictObject({
  /** A channel name from `notify` config (`outbox`, `slack`, a name under notify.channelSettings). */
  channel: z.string().min(1).max(100).default('outbox'),
  subject: z.string().min(1).max(300),
  text: z.string().max(20_000).default(''),
  /** Defaults to the case severity. */
  severity: Severity.optional(),
});

export default defineResponseAction({
  id: 'notify',
  description: 'Send a message about the case through a notification channel (the outbox by default).',
  destructive: false,
  inputSchema: NotifyInput,
  configSchema: actionConfig({}),
  outputs: { channel: 'the channel it went to', location: 'where the channel put it (a file, a URL, a message id)' },
  target: (i) => `${i.channel}: ${i.subject}`,
  async run(input, ctx) {
    const severity = input.severity ?? ctx.case.severity;
    if (ctx.dryRun || !ctx.services.notify) {
      return { status: 'simulated', reason: `would send "${input.subject}" to ${input.channel}`, details: { channel: input.channel, subject: input.subject, text: input.text, severity }, outputs: { channel: input.channel, location: '' } };
    }
    const message = {
      // Stable per action, so a retried send lands on the same outbox files / dedupe key.
      id: stableId('ntf', 'playbook', ctx.idempotencyKey),
      caseId: ctx.case.id,
      caseNumber: ctx.case.number,
      subject: input.subject,
      text: input.text,
      severity,
      data: { kind: 'playbook.notification', version: 1, playbook: ctx.playbook, step: ctx.step, run: ctx.runId, case: { id: ctx.case.id, number: ctx.case.number, title: ctx.case.title, severity: ctx.case.severity }, subject: input.subject, text: input.text },
    };
    try {
      const { location } = await ctx.services.notify(input.channel, message);
      return { status: 'executed', reason: `sent to ${input.channel}`, details: { channel: input.channel, subject: input.subject, location }, outputs: { channel: input.channel, location } };
    } catch (e) {
      const err = e as Error & { retryable?: boolean };
      return err.retryable ? retryableFailure(`${input.channel}: ${err.message}`) : { status: 'failed', reason: `${input.channel}: ${err.message}`, details: { channel: input.channel } };
    }
  },
});
