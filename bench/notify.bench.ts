// Notifications/s through routing and delivery (store row before the attempt, the attempt, the state
// update and the timeline row) to a local webhook receiver and to the outbox, next to the bare
// channel on the same messages. Embedded store (PGlite, in memory); PostgreSQL too when
// VIGIL_BENCH_DATABASE_URL names an empty database. Run: npm run bench -- notify
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { fixedClock, systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import type { Severity } from '../src/core/types.js';
import type { NotificationChannelInstance, OutgoingNotification } from '../src/notify/channel.js';
import { NotifyConfig } from '../src/notify/config.js';
import { getChannel } from '../src/notify/registry.js';
import { Secrets } from '../src/notify/secrets.js';
import { createNotifier } from '../src/notify/setup.js';
import { sampleNotification, startReceiver } from '../src/notify/testing.js';
import { renderNotification, renderReportHtml, reportFileName, type CaseReport } from '../src/reports/index.js';
import { sshBruteForceCaseReport } from '../src/reports/fixtures.js';
import { openStore, type StoreHandle } from '../src/store/db.js';
import { Repo } from '../src/store/repo.js';

const N = Number(process.env.VIGIL_BENCH_NOTIFY ?? 1000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

interface Input {
  caseId: string;
  report: CaseReport;
  rendered: ReturnType<typeof renderNotification>;
  html: string;
  htmlName: string;
}

// Rendering is the pipeline's work, done before the notifier is called: prepared up front.
function inputs(out: string, mixed: boolean): Input[] {
  const html = renderReportHtml(sshBruteForceCaseReport());
  return Array.from({ length: N }, (_, i) => {
    const report = sshBruteForceCaseReport();
    report.case.id = `cs_bench_${i}`;
    report.case.number = i + 1;
    report.case.severity = mixed ? SEVERITIES[i % 4]! : i % 3 ? 'HIGH' : 'CRITICAL';
    report.case.tags = i % 2 ? ['ssh'] : ['web'];
    const htmlName = reportFileName(report, 'html');
    report.reportFiles = { html: join(out, 'reports', htmlName), markdown: join(out, 'reports', reportFileName(report, 'md')) };
    return { caseId: report.case.id, report, rendered: renderNotification(report), html, htmlName };
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function bare(channel: NotificationChannelInstance, messages: OutgoingNotification[]): Promise<number> {
  return timed(async () => {
    for (const m of messages) await channel.send(m);
  });
}

async function main(): Promise<void> {
  const rx = await startReceiver(() => ({ status: 200, body: '{}' }), { keepAlive: true });
  const env = { VIGIL_BENCH_HOOK: `${rx.url}/webhook/bench`, VIGIL_BENCH_KEY: 'bench-signing-key' };
  const hook = { type: 'webhook', urlEnv: 'VIGIL_BENCH_HOOK', secretEnv: 'VIGIL_BENCH_KEY' };
  const stores: Array<{ name: string; open: () => Promise<StoreHandle> }> = [{ name: 'PGlite', open: () => openStore({ dataDir: 'memory://' }) }];
  if (process.env.VIGIL_BENCH_DATABASE_URL) stores.push({ name: 'PostgreSQL', open: () => openStore({ databaseUrl: process.env.VIGIL_BENCH_DATABASE_URL!, dataDir: '' }) });

  // The channels alone, on the same messages: the ceiling routing and the store are compared with.
  const out0 = mkdtempSync(join(tmpdir(), 'vigil-bench-notify-'));
  const ctx = { outDir: out0, clock: systemClock, fetch, secrets: Secrets.load({ env }) };
  const messages = Array.from({ length: N }, (_, i) => sampleNotification(undefined, { id: `ntf_bench_${String(i).padStart(12, '0')}` }));
  const webhookDef = getChannel('webhook')!;
  const webhookAlone = webhookDef.create(webhookDef.configSchema.parse({ urlEnv: 'VIGIL_BENCH_HOOK', secretEnv: 'VIGIL_BENCH_KEY' }), ctx) as NotificationChannelInstance;
  const outboxDef = getChannel('outbox')!;
  const outboxAlone = outboxDef.create(outboxDef.configSchema.parse({}), ctx) as NotificationChannelInstance;
  const bareHook = await bare(webhookAlone, messages);
  const bareOutbox = await bare(outboxAlone, messages);
  rmSync(out0, { recursive: true, force: true });

  const rows: string[][] = [['store', 'scenario', 'notifications', 's', 'notifications/s', 'ms added each']];
  rows.push(['—', 'webhook channel alone (HTTP POST, signed)', fmt(N), bareHook.toFixed(2), fmt(N / bareHook), '']);
  rows.push(['—', 'outbox channel alone (4 files each)', fmt(N), bareOutbox.toFixed(2), fmt(N / bareOutbox), '']);

  for (const s of stores) {
    const store = await s.open();
    const repo = new Repo(store.db);
    const scenarios: Array<{ name: string; notify: Record<string, unknown>; mixed: boolean; alone?: number; count: (r: { sent: number; digested: number }) => number }> = [
      { name: 'default route → outbox', notify: {}, mixed: false, alone: bareOutbox, count: (r) => r.sent },
      { name: 'one route → webhook', notify: { channelSettings: { hook }, routes: [{ name: 'all', match: { minSeverity: 'LOW' }, channels: ['hook'] }] }, mixed: false, alone: bareHook, count: (r) => r.sent },
      {
        name: '3 routes, LOW/MEDIUM digested → webhook + outbox',
        notify: {
          minSeverity: 'LOW',
          channelSettings: { hook },
          digest: { severities: ['LOW', 'MEDIUM'] },
          routes: [
            { name: 'page', match: { minSeverity: 'CRITICAL' }, channels: ['hook'], template: 'brief' },
            { name: 'ssh', match: { tags: ['ssh'] }, channels: ['hook', 'outbox'] },
            { name: 'rest', match: { minSeverity: 'LOW' }, channels: ['outbox'] },
          ],
        },
        mixed: true,
        count: (r) => r.sent + r.digested,
      },
    ];
    for (const sc of scenarios) {
      await store.db.execute(sql`truncate notifications, audit_log, kv`);
      const out = mkdtempSync(join(tmpdir(), 'vigil-bench-notify-'));
      const notifier = createNotifier({ repo, notify: NotifyConfig.parse(sc.notify), outDir: out, clock: fixedClock('2025-03-14T12:00:00Z'), fetch, log: silentLogger, env });
      const list = inputs(out, sc.mixed);
      let delivered = 0;
      const secs = await timed(async () => {
        for (const input of list) delivered += sc.count(await notifier.notifyCase(input));
        await notifier.endOfRun();
      });
      // What routing, the store rows and the timeline add to each message over the bare channel.
      const added = sc.alone !== undefined ? ((secs - sc.alone) / delivered) * 1000 : undefined;
      rows.push([s.name, sc.name, fmt(delivered), secs.toFixed(2), fmt(delivered / secs), added !== undefined ? added.toFixed(1) : '']);
      rmSync(out, { recursive: true, force: true });
    }
    await store.close();
  }
  await rx.close();

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`Notifications: ${fmt(N)} cases per scenario (sequential, as the pipeline calls it)\n`);
  for (const r of rows) console.log(r.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  '));
}

await main();
