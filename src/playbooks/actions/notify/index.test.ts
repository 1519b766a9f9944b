import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import { NotifyConfig } from '../../../notify/config.js';
import { DeliveryError } from '../../../notify/errors.js';
import { channelSender } from '../../setup.js';
import { ctxFor } from '../fake-servers.js';
import notify, { NotifyInput } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-pb-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('notify', () => {
  const send = channelSender({ notify: NotifyConfig.parse({}), outDir: dir, clock: fixedClock('2025-03-14T10:00:00.000Z'), fetch });
  const run = (input: Record<string, unknown>, over = {}) => notify.run(NotifyInput.parse(input), ctxFor({}, { services: { fetch, env: {}, log: undefined as never, notify: send }, ...over }));

  it('writes to the outbox by default, with a stable id so a retry lands on the same files', async () => {
    const out = await run({ subject: 'Case #3: blocked 1.2.3.4', text: 'details <b>here</b>' });
    expect(out).toMatchObject({ status: 'executed', reason: 'sent to outbox', outputs: { channel: 'outbox', location: expect.stringMatching(/^outbox\/case-0003-high-.{8}\.json$/) } });
    const location = (out.outputs as { location: string }).location;
    const env = JSON.parse(readFileSync(join(dir, location), 'utf8')) as { subject: string; severity: string; data: { kind: string; playbook: string } };
    expect(env).toMatchObject({ subject: 'Case #3: blocked 1.2.3.4', severity: 'HIGH', data: { kind: 'playbook.notification', playbook: 'pb', step: 'step' } });
    expect(readFileSync(join(dir, location.replace(/\.json$/, '.html')), 'utf8')).toContain('details &lt;b&gt;here&lt;/b&gt;');
    expect((await run({ subject: 'Case #3: blocked 1.2.3.4' })).outputs).toEqual(out.outputs);
  });

  it('names an unknown channel, and sends nothing in dry run', async () => {
    expect(await run({ channel: 'pager', subject: 's' })).toMatchObject({ status: 'failed', reason: 'pager: unknown notification channel "pager" (configure it under notify.channelSettings)' });
    expect(await run({ subject: 's' }, { dryRun: true })).toMatchObject({ status: 'simulated', reason: 'would send "s" to outbox' });
  });

  it('passes on whether a delivery failure is worth a retry', async () => {
    const failing = async () => {
      throw new DeliveryError('slack: HTTP 503', { retryable: true });
    };
    expect(await run({ channel: 'slack', subject: 's' }, { services: { fetch, env: {}, log: undefined as never, notify: failing } })).toMatchObject({ status: 'failed', retryable: true, reason: 'slack: slack: HTTP 503' });
  });
});
