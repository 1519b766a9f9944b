import { defineFeedFormat, type Indicator } from '../format.js';
import { detectIndicator } from '../normalize.js';
import { FeedCollector, eachLine, sampleLines } from '../text.js';

/** The value part of a line: `#` starts a comment at the line start or after whitespace (URLs may contain `#`). */
function valueOf(line: string): string {
  const t = line.trim();
  if (t.startsWith('#')) return '';
  let i = t.indexOf('#');
  while (i !== -1) {
    const prev = t.charCodeAt(i - 1);
    if (prev === 32 || prev === 9) return t.slice(0, i).trim();
    i = t.indexOf('#', i + 1);
  }
  return t;
}

/**
 * A plain indicator list: one value per line, `#` comments (whole lines, or after whitespace at the
 * end of a line), blank lines ignored. Each value's type is detected: IPv4/IPv6, CIDR, MD5/SHA-1/
 * SHA-256/SHA-512 by length, URL, email, `AS123`, domain. `*.example.com` or `.example.com` is a
 * domain that also covers its subdomains. No threat, family or dates: the feed's name says what it is.
 */
export const plain = defineFeedFormat({
  id: 'plain',
  label: 'Indicator list',
  description: 'Plain list of indicators, one per line, type detected',
  detect(sample) {
    const lines = sampleLines(sample, 50).map(valueOf).filter((l) => l.length > 0);
    if (lines.length === 0) return 0;
    const ok = lines.filter((l) => detectIndicator(l) !== undefined).length;
    // The fallback format: it wins only when nothing more specific claims the file.
    return ok / lines.length >= 0.8 ? 0.4 : 0;
  },
  parse(text, ctx) {
    const col = new FeedCollector(ctx.file);
    eachLine(text, col, (raw, lineNo) => {
      const value = valueOf(raw);
      if (value.length === 0) return;
      const d = detectIndicator(value);
      if (d === undefined) { col.issue(lineNo, `"${value.slice(0, 80)}" is not a recognizable indicator`); return; }
      const ind: Indicator = { type: d.type, value: d.value, tags: [], line: lineNo };
      if (d.matchSubdomains) ind.matchSubdomains = true;
      col.indicators.push(ind);
    });
    return col.result();
  },
});
