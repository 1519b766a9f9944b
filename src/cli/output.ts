import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { exitStatusOf, VigilError } from '../core/errors.js';
import { neutralize } from '../core/text.js';

/** A path as the user would type it: relative to the working directory when it lies inside it. */
export function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

export { neutralize };

/**
 * Text for the terminal from untrusted sources (e-mail headers, rejected input, rule titles): terminal
 * escapes, other control characters and bidi overrides are shown as `\u001B`, `\u202E`; newlines stay.
 */
export function safe(text: unknown): string {
  return neutralize(text);
}

/** Column-aligned rows for the terminal; every cell is neutralized and kept on one line. */
export function table(input: string[][], indent = '  '): string {
  const rows = input.map((r) => r.map((c) => neutralize(c, { line: true })));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints an error the way a user can act on it, and returns the exit status its code has in the
 * catalogue (src/core/errors.ts): 1 a failure to fix, 75 a temporary one (run it again later).
 */
export function reportError(e: unknown, json = false): number {
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: e instanceof VigilError ? e.toJSON() : { code: 'VIGIL_INTERNAL', message: (e as Error).message } })}\n`);
  } else if (e instanceof VigilError) {
    process.stderr.write(`vigil: ${safe(e.toString())}${e.field && !e.message.includes(e.field) ? ` (field ${safe(e.field)})` : ''}\n`);
  } else {
    process.stderr.write(`vigil: unexpected error: ${safe((e as Error).stack ?? String(e))}\n`);
  }
  return exitStatusOf(e);
}

/** A file's text, or standard input for `-` (or no file). */
export async function readInput(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, { cause: e, file });
  }
}
