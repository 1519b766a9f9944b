import { Command } from 'commander';
import { VigilError } from '../../core/errors.js';
import { extractIocs, iocValues, IOC_TYPES, type InputKind, type IocType } from '../../ioc/index.js';
import { printJson, reportError, table, readInput } from '../output.js';

const KINDS: readonly InputKind[] = ['auto', 'text', 'html', 'json'];

function parseTypes(v: string): IocType[] {
  const out: IocType[] = [];
  for (const raw of v.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === '') continue;
    // "ip" and "hash" are the shorthands people type
    if (t === 'ip') out.push('ipv4', 'ipv6', 'cidr');
    else if (t === 'hash') out.push('md5', 'sha1', 'sha256', 'sha512');
    else if ((IOC_TYPES as readonly string[]).includes(t)) out.push(t as IocType);
    else throw new VigilError('VIGIL_INPUT_INVALID', `--types: unknown type "${raw.trim()}"; expected ${IOC_TYPES.join(', ')} (or ip, hash)`, { field: 'types' });
  }
  return out;
}

/** `vigil ioc extract [FILE|-]`: every indicator in a text, HTML or JSON file (or stdin). */
export function iocCommand(): Command {
  const ioc = new Command('ioc').description('Indicators of compromise: pull them out of any text');

  ioc
    .command('extract')
    .description('Extract IPs, domains, URLs, emails, hashes, CVEs, ATT&CK ids, ASNs, registry keys, file paths and coin addresses; defanged forms are refanged')
    .argument('[file]', 'file to read; - or nothing for stdin')
    .option('--json', 'print one JSON object keyed by type: unique values in order of first appearance')
    .option('-t, --types <list>', `comma-separated types (${IOC_TYPES.join(', ')}; ip, hash)`)
    .option('-k, --kind <kind>', `input kind: ${KINDS.join(' | ')}`, 'auto')
    .option('--no-refang', 'do not recognise defanged forms')
    .option('--no-private', 'leave out private and reserved IP addresses')
    .option('--no-strict-tld', 'accept domains whose TLD is not on the public suffix list')
    .option('--spans', 'with --json: every occurrence with offsets, raw text, context and decoding layers')
    .option('--no-decode', 'do not decode PowerShell -enc, base64, percent-encoding or rewritten links')
    .action(async (file: string | undefined, opts: { json?: boolean; types?: string; kind: string; refang: boolean; private: boolean; strictTld: boolean; spans?: boolean; decode: boolean }) => {
      try {
        if (!KINDS.includes(opts.kind as InputKind)) {
          throw new VigilError('VIGIL_INPUT_INVALID', `--kind: "${opts.kind}" is not one of ${KINDS.join(', ')}`, { field: 'kind' });
        }
        const types = opts.types !== undefined ? parseTypes(opts.types) : undefined;
        const input = await readInput(file);
        const result = extractIocs(input, {
          kind: opts.kind as InputKind,
          refang: opts.refang,
          privateIps: opts.private,
          strictTld: opts.strictTld,
          decode: opts.decode,
          ...(types ? { types } : {}),
        });
        const wanted = IOC_TYPES.filter((t) => types === undefined || types.includes(t));
        if (opts.json) {
          if (opts.spans) {
            printJson(Object.fromEntries(wanted.map((t) => [t, result[t]])));
          } else {
            const values = iocValues(result);
            printJson(Object.fromEntries(wanted.map((t) => [t, values[t]])));
          }
          return;
        }
        const rows: string[][] = [];
        for (const t of wanted) {
          for (const i of result[t]) {
            const layers = i.occurrences.find((o) => o.layers)?.layers;
            const notes = [
              i.scope,
              i.registrableDomain && i.registrableDomain !== i.value ? i.registrableDomain : undefined,
              i.unicode,
              i.occurrences.some((o) => o.defanged) ? 'defanged' : undefined,
              layers && i.occurrences.every((o) => o.layers) ? `decoded: ${layers.join(' > ')}` : undefined,
            ]
              .filter(Boolean)
              .join(', ');
            rows.push([t, i.value, String(i.occurrences.length), notes]);
          }
        }
        if (rows.length === 0) process.stderr.write('no indicators found\n');
        else process.stdout.write(`${table([['type', 'value', 'seen', 'notes'], ...rows])}\n`);
      } catch (e) {
        process.exitCode = e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID' ? (reportError(e, opts.json), 2) : reportError(e, opts.json);
      }
    });

  return ioc;
}
