import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { hash } from 'node:crypto';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { analyzeEmail, reportJson } from '../../phishing/analyze.js';
import { opensCase, phishAlert } from '../../phishing/alert.js';
import { createDnsVerifier } from '../../phishing/dns.js';
import { enrichReport } from '../../phishing/enrich.js';
import { BrandIndex } from '../../phishing/lookalike.js';
import { renderPhishReport } from '../../phishing/report.js';
import type { PhishReport } from '../../phishing/types.js';
import { printJson, rel, reportError, safe, table } from '../output.js';

const EXIT_HELP = `
Verdicts: clean < suspicious < phishing < malicious, from the probability (0–100%) of a fitted,
calibrated model; the category (phishing, bec-fraud, malware, spam, ham) is shown beside it, and the
findings with the points each added (docs/phishing.md explains the model and its figures).

Exit status:
  0  every file was analysed
  2  some file could not be read as e-mail (each reported; the rest were analysed)
  1  failure (bad config, store unavailable for --enrich/--case, unexpected error)`;

const MAX_FILES = 100_000;

/** Files as given, folders expanded (recursively, sorted); a missing path is kept so it is reported. */
function expand(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (out.length >= MAX_FILES) return;
    let st;
    try {
      st = statSync(p);
    } catch {
      out.push(p);
      return;
    }
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(join(p, name));
  };
  for (const p of paths) walk(p);
  return out;
}

/** The file's first `max` bytes and its real size: a huge file is never read whole. */
function readCapped(file: string, max: number): { data: Buffer; size: number } {
  const st = statSync(file);
  if (!st.isFile()) throw new VigilError('VIGIL_INPUT_INVALID', `${file} is not a regular file`, { file });
  const len = Math.min(st.size, max);
  const data = Buffer.alloc(len);
  const fd = openSync(file, 'r');
  try {
    let off = 0;
    while (off < len) {
      const n = readSync(fd, data, off, len - off, off);
      if (n === 0) break;
      off += n;
    }
    return { data: data.subarray(0, off), size: st.size };
  } finally {
    closeSync(fd);
  }
}

function reportPath(out: string, file: string, many: boolean): string {
  if (!many) return out;
  const stem = basename(file, extname(file)).replace(/[^\w.-]+/g, '_') || 'message';
  return join(dirname(out), `${basename(out, '.html')}-${stem}.html`);
}

const VERDICT_LABEL = { clean: 'CLEAN', suspicious: 'SUSPICIOUS', phishing: 'PHISHING', malicious: 'MALICIOUS' } as const;

function summary(r: PhishReport, reportFile?: string): string {
  const h = r.headers;
  const from = h.from ? (h.from.name ? `${h.from.name} <${h.from.address}>` : h.from.address) : '(no sender)';
  const lines = [`${rel(r.file)}  ${VERDICT_LABEL[r.verdict]} (${r.category})  ${r.score}%  "${(h.subject || '(no subject)').slice(0, 100)}" from ${from.slice(0, 100)}`];
  const shown = r.findings.filter((f) => f.weight !== 0).slice(0, 12);
  if (shown.length) lines.push(table(shown.map((f) => [`${f.weight > 0 ? '+' : ''}${f.weight}`, f.id, f.message.length > 150 ? `${f.message.slice(0, 149)}…` : f.message]), '    '));
  if (r.findings.length > shown.length) lines.push(`    … ${r.findings.length - shown.length} more (informational or beyond the first 12; --json lists all)`);
  const a = r.auth;
  const auth = [a.spf ? `spf=${a.spf.result}${a.spf.domain ? ` (${a.spf.domain})` : ''}` : 'spf —', a.dkim.length ? a.dkim.map((d) => `dkim=${d.result}${d.domain ? ` (${d.domain})` : ''}`).join(' ') : 'dkim —', a.dmarc ? `dmarc=${a.dmarc.result}` : 'dmarc —', a.arc ? `arc=${a.arc.result}` : null].filter(Boolean).join('  ');
  const verified = a.spf?.verified || a.dkim.some((d) => d.verified) || a.dmarc?.verified ? 'checked through DNS' : 'not verified';
  lines.push(`    auth: ${auth}  [${verified}]`);
  const entry = r.hops.find((x) => x.firstExternal);
  lines.push(`    relays: ${r.hops.length}${entry ? ` (entered from ${entry.ip} ${entry.rdns ?? entry.helo ?? ''})` : ''}   links: ${r.links.length} (${r.links.filter((l) => l.flags.length).length} flagged)   attachments: ${r.attachments.length ? r.attachments.map((x) => `${x.filename}${x.flags.length ? ` [${x.flags.slice(0, 3).join(', ')}]` : ''}`).join(', ') : 'none'}`);
  if (r.enrichment?.length) {
    const bad = r.enrichment.filter((e) => e.verdict === 'malicious' || e.verdict === 'suspicious');
    lines.push(`    intel: ${r.enrichment.length} indicators known${bad.length ? `, ${bad.length} flagged (${bad.slice(0, 3).map((e) => `${e.value} ${e.verdict}`).join(', ')})` : ''}`);
  }
  if (reportFile) lines.push(`    report: ${rel(reportFile)}`);
  return lines.join('\n');
}

interface Entry {
  file: string;
  report?: PhishReport;
  sha256?: string;
  error?: { code: string; message: string };
  reportFile?: string;
  alertId?: string;
}

/** `vigil phish FILE… [--json] [--report OUT.html] [--enrich] [--case]`. */
export function phishCommand(): Command {
  return new Command('phish')
    .description('Analyse e-mails (.eml or Outlook .msg files, or folders): explained verdict, SPF/DKIM/DMARC/ARC, relays, links, attachments and indicators; offline unless --enrich or --case')
    .argument('<files...>', '.eml or .msg files, or folders of them')
    .option('--json', 'print a JSON array with one entry per file ({file, verdict, score, probability, category, reasons, findings, headers, auth, hops, links, attachments, iocs}; {file, error} for unreadable files)')
    .option('-r, --report <out.html>', 'write a self-contained HTML report (several files: <out>-<name>.html each)')
    .option('--enrich', 'look indicators up with the intel providers (local feeds by default; opens the store)')
    .option('--case', 'send verdicts of phishing or worse in the case categories (phishing, bec-fraud, malware by default) through the pipeline as alerts (source "email"), so cases, playbooks and notifications apply')
    .option('-o, --out <dir>', 'output folder for --case (actions, outbox, reports; default ./vigil-out)')
    .option('-c, --config <file>', 'config file (default: ./vigil.yaml when present)')
    .addHelpText('after', EXIT_HELP)
    .action(async (paths: string[], opts: { json?: boolean; report?: string; enrich?: boolean; case?: boolean; out?: string; config?: string }) => {
      let app: App | undefined;
      try {
        const { config } = loadConfig(opts.config ? { file: opts.config } : {});
        const cfg = config.phishing;
        const brands = new BrandIndex(cfg);
        const verifier = createDnsVerifier(cfg.dns);
        if (opts.enrich || opts.case) {
          // Only these need the store and the intel engine: plain analysis stays offline and fast.
          const { App } = await import('../../app.js');
          app = await App.build(config, { purpose: 'vigil phish', log: createLogger({ level: 'error' }) });
          for (const f of app.startup.feeds) if (f.status === 'failed') process.stderr.write(`feed ${rel(f.file)} not imported: ${safe(f.error)}\n`);
        }
        const files = expand(paths);
        const entries: Entry[] = [];
        const bar = process.stderr.isTTY && !opts.json && files.length > 1 ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} messages | {file}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
        bar?.start(files.length, 0, { file: '' });
        for (const file of files) {
          bar?.increment(0, { file: rel(file) });
          const entry: Entry = { file };
          try {
            const { data, size } = readCapped(file, cfg.limits.maxBytes + 1);
            entry.sha256 = hash('sha256', data, 'hex');
            let r = await analyzeEmail(data, { file, config: cfg, brands, verifier, size });
            if (opts.enrich && app) r = await enrichReport(r, app.intel, cfg);
            entry.report = r;
            if (opts.report) {
              const out = reportPath(opts.report, file, files.length > 1);
              await mkdir(dirname(out), { recursive: true });
              await writeFile(out, renderPhishReport(r));
              entry.reportFile = out;
            }
          } catch (e) {
            const err = e instanceof VigilError ? e : undefined;
            const message = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : (e as Error).message;
            entry.error = { code: err?.code ?? ((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'VIGIL_INPUT_NOT_FOUND' : 'VIGIL_INPUT_PARSE'), message };
          }
          entries.push(entry);
          bar?.increment(1);
        }
        bar?.stop();

        let caseLine = '';
        if (opts.case && app) {
          const now = new Date().toISOString();
          const items = entries.filter((e) => e.report && opensCase(e.report, cfg.caseCategories)).map((e) => {
            const alert = phishAlert(e.report!, { sha256: e.sha256!, now });
            e.alertId = alert.id;
            return { file: e.file, line: 0, alert };
          });
          if (items.length) {
            const s = await app.ingest(items, { outDir: opts.out ?? config.out });
            caseLine = `cases: ${items.length} alert${items.length === 1 ? '' : 's'} sent (${s.alerts.new} new, ${s.alerts.duplicate} already known); cases opened ${s.cases.opened}, updated ${s.cases.updated}${s.caseNumbers.length ? ` (#${s.caseNumbers.join(', #')})` : ''}; reports in ${rel(s.out.reports)}`;
          } else caseLine = 'cases: no verdict of phishing or worse, nothing sent';
        }

        if (opts.json) {
          printJson(
            entries.map((e) =>
              e.report
                ? { ...reportJson(e.report), ...(e.reportFile && { reportFile: e.reportFile }), ...(e.alertId && { alertId: e.alertId }) }
                : { file: e.file, error: e.error },
            ),
          );
          if (caseLine) process.stderr.write(`${caseLine}\n`);
        } else {
          const blocks = entries.map((e) => (e.report ? summary(e.report, e.reportFile) : `${rel(e.file)}  ERROR  ${e.error!.message}`));
          // Subjects, names and links are the sender's text: shown, never obeyed by the terminal.
          process.stdout.write(`${safe(blocks.join('\n\n'))}\n`);
          if (entries.length > 1) {
            const count = (v: string) => entries.filter((e) => e.report?.verdict === v).length;
            process.stdout.write(`\n${entries.length} files: malicious ${count('malicious')}, phishing ${count('phishing')}, suspicious ${count('suspicious')}, clean ${count('clean')}, unreadable ${entries.filter((e) => e.error).length}\n`);
          }
          if (caseLine) process.stdout.write(`${caseLine}\n`);
        }
        for (const e of entries) if (e.error && opts.json) process.stderr.write(`vigil: ${safe(`${rel(e.file)}: ${e.error.message}`)}\n`);
        process.exitCode = entries.some((e) => e.error) ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await app?.close();
      }
    });
}
