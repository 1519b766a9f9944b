// Test and benchmark helpers: a local HTTP receiver on 127.0.0.1 and sample notifications built the
// way the dispatcher builds them. Nothing here reaches the network.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderNotification, renderReportHtml, reportFileName, type CaseReport } from '../reports/index.js';
import { sshBruteForceCaseReport } from '../reports/fixtures.js';
import type { OutgoingNotification } from './channel.js';
import { DeliveryError } from './errors.js';
import { buildCasePayload, caseUrlFor } from './payload.js';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1, port 0, answering each request with what `answer` says. */
export async function startReceiver(answer: (req: Received, n: number) => Answer | Promise<Answer>, opts: { keepAlive?: boolean } = {}): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      Promise.resolve(answer(r, requests.length))
        .then((a) => {
          res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
          res.end(a.body ?? '');
        })
        .catch(() => {
          res.writeHead(500);
          res.end('receiver error');
        });
    });
  });
  // Tests close connections at once so a closed receiver leaves nothing pooled; a benchmark keeps them.
  server.keepAliveTimeout = opts.keepAlive ? 5_000 : 1;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A notification for a case report, shaped as the dispatcher shapes it (standard template, report attached). */
export function sampleNotification(report: CaseReport = sshBruteForceCaseReport(), opts: { id?: string; caseUrl?: string; template?: string; event?: 'opened' | 'escalated' | 'updated' } = {}): OutgoingNotification {
  const htmlName = reportFileName(report, 'html');
  report.reportFiles ??= { html: `reports/${htmlName}`, markdown: `reports/${reportFileName(report, 'md')}` };
  const rendered = renderNotification(report);
  const id = opts.id ?? 'ntf_SampleNotification0001';
  const data = buildCasePayload(report, {
    id,
    event: opts.event ?? 'opened',
    route: 'default',
    createdAt: '2025-03-14T09:15:03.000Z',
    caseUrl: caseUrlFor(opts.caseUrl, report.case),
    reportPath: `reports/${htmlName}`,
    subject: rendered.subject,
    text: rendered.text,
  });
  return {
    id,
    caseId: report.case.id,
    caseNumber: report.case.number,
    severity: report.case.severity,
    ...rendered,
    data: data as unknown as Record<string, unknown>,
    template: opts.template ?? 'standard',
    attachments: [{ filename: htmlName, contentType: 'text/html; charset=utf-8', content: renderReportHtml(report) }],
  };
}

/** A case far beyond every service limit: long hostile text, hundreds of observables and actions. */
export function hugeCaseReport(): CaseReport {
  const r = sshBruteForceCaseReport();
  r.case.title = `<!channel> @everyone [click](https://evil.example) ${'A'.repeat(5000)}`;
  r.case.summary = `${'<script>alert(1)</script> & *bold* '.repeat(3000)}`;
  r.case.severity = 'CRITICAL';
  for (let i = 0; i < 400; i++) {
    r.observables.push({ type: 'url', value: `http://evil-${i}.example/${'p'.repeat(300)}?q=<@U123>`, scope: 'public', risk: { score: 90, verdict: 'malicious' }, intel: [] });
  }
  for (let i = 0; i < 120; i++) {
    r.actions.push({ ...r.actions[0]!, id: `act_${i}`, target: `203.0.113.${i % 250}`, reason: 'x'.repeat(2000) });
  }
  for (let i = 0; i < 60; i++) r.assessment.reasons.push({ factor: 'tag', detail: `reason ${i} ${'y'.repeat(600)}`, delta: i });
  for (let i = 0; i < 80; i++) r.alerts.push({ ...r.alerts[0]!, id: `al_${i}`, host: `host-${i}-${'h'.repeat(100)}`, source: `source-${i % 15}` });
  return r;
}

/** The DeliveryError a send ends with; a send that succeeds (or fails otherwise) fails the test. */
export async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeliveryError) return e;
    throw e;
  }
  throw new Error('expected the delivery to fail');
}
