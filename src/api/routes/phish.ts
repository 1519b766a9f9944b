// POST /api/phish: an .eml uploaded from the browser → the phishing analysis (verdict, findings, auth,
// relays, links, attachments, indicators with intel), and its HTML report kept for a while to view.
import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.js';
import { VigilError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import { analyzeEmail, reportJson } from '../../phishing/analyze.js';
import { opensCase, phishAlert } from '../../phishing/alert.js';
import { createDnsVerifier } from '../../phishing/dns.js';
import { enrichReport } from '../../phishing/enrich.js';
import { BrandIndex } from '../../phishing/lookalike.js';
import { renderPhishReport } from '../../phishing/report.js';
import type { PhishReport } from '../../phishing/types.js';
import { scopeOf } from '../../store/scope.js';
import { ErrorBody, refusePipelineChange } from './common.js';

/** Reports kept in memory for the "open the HTML report" link; the oldest go first. */
const KEEP_REPORTS = 50;
/**
 * The report shows the message's HTML as escaped text; this policy is the second wall: nothing loads,
 * nothing runs, and the page is sandboxed even if something slipped through.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; sandbox";

const Analysis = z.looseObject({
  id: z.string().describe('Names this analysis for GET /api/phish/{id} and its report'),
  sha256: z.string(),
  reportUrl: z.string().describe('The HTML report (the message\'s HTML shown as text, never rendered)'),
  file: z.string(),
  verdict: z.enum(['clean', 'suspicious', 'phishing', 'malicious']),
  score: z.number().describe('The probability in percent'),
  probability: z.number().describe('Calibrated probability (0–1) that the message is phishing of any kind'),
  category: z.enum(['phishing', 'bec-fraud', 'malware', 'spam', 'ham']),
  reasons: z.array(z.object({ feature: z.string(), points: z.number(), describe: z.string() })),
  findings: z.array(z.object({ id: z.string(), weight: z.number(), message: z.string(), evidence: z.string() })),
  headers: z.record(z.string(), z.unknown()),
  auth: z.record(z.string(), z.unknown()),
  hops: z.array(z.record(z.string(), z.unknown())),
  links: z.array(z.record(z.string(), z.unknown())),
  attachments: z.array(z.record(z.string(), z.unknown())),
  iocs: z.record(z.string(), z.array(z.string())),
  enrichment: z.array(z.object({ type: z.string(), value: z.string(), role: z.string(), verdict: z.string(), score: z.number(), evidence: z.array(z.string()) })).optional(),
  alertId: z.string().optional().describe('With case=true and a verdict of phishing or worse: the alert sent through the pipeline'),
  cases: z.array(z.number()).optional(),
});

interface Kept {
  /** The organisation of the key that uploaded it: nobody else can open it. */
  org: string;
  html: string;
  json: ReturnType<typeof body>;
}

function body(r: PhishReport, extra: { id: string; sha256: string; alertId?: string; cases?: number[] }): z.infer<typeof Analysis> {
  // The report's interfaces have no index signatures; the schema checks the shape when it is sent.
  return { ...reportJson(r), ...extra, reportUrl: `/api/phish/${extra.id}/report.html` } as unknown as z.infer<typeof Analysis>;
}

export function registerPhish(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  const kept = new Map<string, Kept>();
  let prepared: { brands: BrandIndex; verifier: ReturnType<typeof createDnsVerifier> } | undefined;
  const cfg = () => app.config.phishing;

  s.post(
    '/api/phish',
    {
      schema: {
        summary: 'Analyse an e-mail (multipart/form-data: file = the .eml; enrich=false to skip intel; case=true to open a case for phishing or worse): verdict, score, findings, SPF/DKIM/DMARC/ARC, relays, links, attachments, indicators. The message\'s HTML is never rendered.',
        tags: ['ui'],
        consumes: ['multipart/form-data'],
        response: { 200: Analysis, 400: ErrorBody, 403: ErrorBody, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      const scope = scopeOf(req);
      if (!req.isMultipart()) throw new VigilError('VIGIL_INPUT_INVALID', 'send the message as multipart/form-data with a "file" part', { field: 'file' });
      const limit = cfg().limits.maxBytes;
      const fields: Record<string, string> = {};
      let data: Buffer | undefined;
      let filename = 'message.eml';
      try {
        for await (const part of req.parts({ limits: { fileSize: limit, files: 1, fields: 10, fieldSize: 100 } })) {
          if (part.type === 'field') fields[part.fieldname] = String(part.value);
          else if (part.fieldname === 'file') {
            data = await part.toBuffer();
            filename = (part.filename || filename).slice(0, 200);
          } else part.file.resume();
        }
      } catch (e) {
        if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          return reply.status(413).send({ error: { code: 'VIGIL_INPUT_TOO_LARGE', message: `the message is over the ${limit}-byte limit (phishing.limits.maxBytes)`, field: 'file' } });
        }
        throw new VigilError('VIGIL_INPUT_INVALID', `the upload could not be read: ${(e as Error).message}`, { field: 'file' });
      }
      if (!data) throw new VigilError('VIGIL_INPUT_INVALID', 'no file in the upload: send the .eml in a part named "file"', { field: 'file' });
      if (!data.length) throw new VigilError('VIGIL_INPUT_INVALID', 'the file is empty', { field: 'file' });
      const flag = (name: string, dflt: boolean): boolean => {
        const v = fields[name]?.trim().toLowerCase();
        return v === undefined || v === '' ? dflt : v === 'true' || v === '1' || v === 'on';
      };
      // A case opens through the pipeline, whose cases are its organisation's.
      if (flag('case', false) && !scope.ownsPipeline) return refusePipelineChange(reply, `${scope.pipelineRefusal('opening a case from an e-mail')}; analyse without case=true`);
      prepared ??= { brands: new BrandIndex(cfg()), verifier: createDnsVerifier(cfg().dns) };
      const sha256 = hash('sha256', data, 'hex');
      let r = await analyzeEmail(data, { file: filename, config: cfg(), brands: prepared.brands, verifier: prepared.verifier });
      if (flag('enrich', true)) r = await enrichReport(r, app.intel, cfg());
      const id = randomId('phish');
      const extra: { id: string; sha256: string; alertId?: string; cases?: number[] } = { id, sha256 };
      if (flag('case', false) && opensCase(r, cfg().caseCategories)) {
        const alert = phishAlert(r, { sha256, now: app.clock.now().toISOString(), analysisUrl: `/api/phish/${id}` });
        const summary = await app.ingest([{ file: filename, line: 0, alert }]);
        extra.alertId = alert.id;
        extra.cases = summary.caseNumbers;
      }
      const json = body(r, extra);
      kept.set(id, { org: scope.org, html: renderPhishReport(r), json });
      while (kept.size > KEEP_REPORTS) kept.delete(kept.keys().next().value!);
      return json;
    },
  );

  const Params = z.object({ id: z.string().regex(/^phish_[a-f0-9]{32}$/) });
  const lookup = (id: string, org: string): Kept => {
    const k = kept.get(id);
    if (!k || k.org !== org) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no analysis ${id} (the server keeps the last ${KEEP_REPORTS}; upload the message again)`, { field: 'id' });
    return k;
  };
  s.get('/api/phish/:id', { schema: { summary: 'An earlier analysis, as POST /api/phish answered it', tags: ['ui'], params: Params, response: { 200: Analysis, 404: ErrorBody } } }, async (req) => lookup(req.params.id, scopeOf(req).org).json);
  s.get('/api/phish/:id/report.html', { schema: { summary: 'The analysis as a self-contained HTML report (the message\'s HTML shown as text, never rendered)', tags: ['ui'], params: Params, response: { 200: z.string(), 404: ErrorBody } } }, async (req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').send(lookup(req.params.id, scopeOf(req).org).html),
  );
}
