// HTML → the text a reader sees plus the link targets, with a per-character map back into the HTML so
// matches can be highlighted in the source. Not a conforming HTML parser: a linear tokenizer that is
// enough for emails, phishing pages and pasted reports.

/** The readable text of an HTML document and where each of its characters came from. */
export interface HtmlProjection {
  text: string;
  /** For each character of `text`, its start offset in the HTML (an entity maps to the entity's start). */
  start: Int32Array;
  /** For each character of `text`, its end offset in the HTML (an entity maps to the entity's end). */
  end: Int32Array;
  /** Attribute values inside `text`: [from, to) and `tag@attribute`. Sorted by `from`. */
  attrs: { from: number; to: number; context: string }[];
}

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'background', 'data', 'cite', 'poster', 'content', 'srcdoc']);

// Elements that break the text flow: a newline keeps "a</p><p>b" from reading as "ab". Inline elements add
// nothing, so split-up words (ex<b>amp</b>le.com) are read whole, as a browser shows them.
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre',
  'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'title', 'head', 'body', 'html', 'option',
  'img', 'input', 'button', 'select', 'textarea', 'iframe', 'meta', 'link',
]);

// Characters that hide inside words in phishing mail: dropped from the projection.
function invisible(c: number): boolean {
  return c === 0xad || (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff;
}

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', period: '.', commat: '@', colon: ':', sol: '/',
  bsol: '\\', lpar: '(', rpar: ')', lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', lcub: '{', rcub: '}',
  lbrace: '{', rbrace: '}', hyphen: '-', dash: '-', lowbar: '_', num: '#', excl: '!', quest: '?', equals: '=',
  percnt: '%', plus: '+', comma: ',', semi: ';', ndash: '–', mdash: '—', hellip: '…', copy: '©', reg: '®',
  trade: '™', laquo: '«', raquo: '»', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', bull: '•', middot: '·',
  zwnj: '', zwj: '', shy: '', ensp: ' ', emsp: ' ', thinsp: ' ', tab: '\t', newline: '\n', ast: '*',
  dollar: '$', verbar: '|', vert: '|', grave: '`', Hat: '^', tilde: '~',
};

class Builder {
  parts: string[] = [];
  len = 0;
  start: Int32Array;
  end: Int32Array;
  constructor(cap: number) {
    this.start = new Int32Array(cap + 1);
    this.end = new Int32Array(cap + 1);
  }
  // A verbatim slice of the HTML.
  raw(html: string, from: number, to: number): void {
    if (to <= from) return;
    this.ensure(to - from);
    this.parts.push(html.slice(from, to));
    for (let k = from; k < to; k++) {
      this.start[this.len] = k;
      this.end[this.len] = k + 1;
      this.len++;
    }
  }
  // Decoded text that stands for HTML[from, to).
  put(s: string, from: number, to: number): void {
    if (s.length === 0) return;
    this.ensure(s.length);
    this.parts.push(s);
    for (let k = 0; k < s.length; k++) {
      this.start[this.len] = from;
      this.end[this.len] = to;
      this.len++;
    }
  }
  private ensure(extra: number): void {
    if (this.len + extra <= this.start.length) return;
    const cap = Math.max(this.start.length * 2, this.len + extra + 16);
    const s = new Int32Array(cap);
    s.set(this.start);
    const e = new Int32Array(cap);
    e.set(this.end);
    this.start = s;
    this.end = e;
  }
}

// Decode entities and drop invisible characters in html[from, to), appending to b.
function decodeInto(b: Builder, html: string, from: number, to: number): void {
  let plain = from;
  let i = from;
  while (i < to) {
    const c = html.charCodeAt(i);
    if (c === 38 /* & */) {
      const r = entityAt(html, i, to);
      if (r !== null) {
        b.raw(html, plain, i);
        if (!(r.text.length === 1 && invisible(r.text.charCodeAt(0)))) b.put(r.text, i, r.end);
        i = r.end;
        plain = i;
        continue;
      }
    } else if (c >= 0xad && invisible(c)) {
      b.raw(html, plain, i);
      i++;
      plain = i;
      continue;
    }
    i++;
  }
  b.raw(html, plain, to);
}

function entityAt(html: string, i: number, to: number): { text: string; end: number } | null {
  let j = i + 1;
  if (html.charCodeAt(j) === 35 /* # */) {
    j++;
    const hex = (html.charCodeAt(j) | 32) === 120;
    if (hex) j++;
    const d0 = j;
    while (j < to && j - d0 < 8 && /[0-9a-fA-F]/.test(html[j]!) && (hex || /[0-9]/.test(html[j]!))) j++;
    if (j === d0) return null;
    const cp = Number.parseInt(html.slice(d0, j), hex ? 16 : 10);
    if (html.charCodeAt(j) === 59) j++;
    if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return { text: '\ufffd', end: j };
    return { text: String.fromCodePoint(cp), end: j };
  }
  const n0 = j;
  while (j < to && j - n0 < 32 && /[A-Za-z0-9]/.test(html[j]!)) j++;
  if (j === n0 || html.charCodeAt(j) !== 59) {
    // a few legacy entities work without the semicolon
    const name = html.slice(n0, j);
    if (name === 'amp' || name === 'lt' || name === 'gt' || name === 'quot' || name === 'nbsp') return { text: NAMED[name]!, end: j };
    return null;
  }
  const v = NAMED[html.slice(n0, j)];
  if (v === undefined) return null;
  return { text: v, end: j + 1 };
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 58 || c === 95;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/**
 * Project HTML to text: text nodes and comments with entities decoded and invisible characters dropped,
 * block elements as line breaks, the values of link-bearing attributes (`href`, `src`, `action`, …) each on
 * a line of their own, and `<script>`/`<style>` contents left out. Linear in the input.
 */
export function projectHtml(html: string): HtmlProjection {
  const n = html.length;
  const b = new Builder(n);
  const attrs: HtmlProjection['attrs'] = [];
  let textFrom = 0;
  let i = 0;
  let tagsClosed = true; // false once a tag ran to the end of input: the rest is text
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0 || !tagsClosed) break;
    const c1 = html.charCodeAt(lt + 1);
    if (c1 === 33 /* ! */ && html.startsWith('--', lt + 2)) {
      decodeInto(b, html, textFrom, lt);
      const close = html.indexOf('-->', lt + 4);
      const stop = close < 0 ? n : close;
      decodeInto(b, html, lt + 4, stop);
      b.put('\n', stop, stop);
      i = textFrom = close < 0 ? n : close + 3;
      continue;
    }
    if (c1 === 33 || c1 === 63 /* ? */) {
      decodeInto(b, html, textFrom, lt);
      const close = html.indexOf('>', lt + 2);
      i = textFrom = close < 0 ? n : close + 1;
      continue;
    }
    const closing = c1 === 47;
    const nameFrom = closing ? lt + 2 : lt + 1;
    const f = html.charCodeAt(nameFrom);
    if (!((f >= 97 && f <= 122) || (f >= 65 && f <= 90))) {
      i = lt + 1;
      continue;
    }
    let j = nameFrom;
    while (j < n && isNameChar(html.charCodeAt(j))) j++;
    const name = html.slice(nameFrom, j).toLowerCase();
    // attributes
    const found: { name: string; from: number; to: number }[] = [];
    let k = j;
    let ended = false;
    while (k < n) {
      const c = html.charCodeAt(k);
      if (c === 62 /* > */) {
        ended = true;
        k++;
        break;
      }
      if (isSpace(c) || c === 47) {
        k++;
        continue;
      }
      const an = k;
      while (k < n && !isSpace(html.charCodeAt(k)) && html.charCodeAt(k) !== 61 && html.charCodeAt(k) !== 62 && html.charCodeAt(k) !== 47) k++;
      if (k === an) {
        k++;
        continue;
      }
      const attrName = html.slice(an, k).toLowerCase();
      let p = k;
      while (p < n && isSpace(html.charCodeAt(p))) p++;
      if (html.charCodeAt(p) !== 61) continue;
      p++;
      while (p < n && isSpace(html.charCodeAt(p))) p++;
      const q = html.charCodeAt(p);
      let vFrom: number;
      let vTo: number;
      if (q === 34 || q === 39) {
        const close = html.indexOf(q === 34 ? '"' : "'", p + 1);
        if (close < 0) {
          k = n;
          break;
        }
        vFrom = p + 1;
        vTo = close;
        k = close + 1;
      } else {
        vFrom = p;
        while (p < n && !isSpace(html.charCodeAt(p)) && html.charCodeAt(p) !== 62) p++;
        vTo = p;
        k = p;
      }
      if (!closing && URL_ATTRS.has(attrName)) found.push({ name: attrName, from: vFrom, to: vTo });
    }
    if (!ended) {
      tagsClosed = false;
      break;
    }
    decodeInto(b, html, textFrom, lt);
    if (BLOCK.has(name)) b.put('\n', lt, lt);
    for (const a of found) {
      b.put('\n', a.from, a.from);
      const from = b.len;
      decodeInto(b, html, a.from, a.to);
      attrs.push({ from, to: b.len, context: `${name}@${a.name}` });
      b.put('\n', a.to, a.to);
    }
    i = textFrom = k;
    if (!closing && (name === 'script' || name === 'style')) {
      const re = name === 'script' ? /<\/script/gi : /<\/style/gi;
      re.lastIndex = k;
      const m = re.exec(html);
      i = textFrom = m === null ? n : m.index;
    }
  }
  decodeInto(b, html, textFrom, n);
  return { text: b.parts.join(''), start: b.start.subarray(0, b.len), end: b.end.subarray(0, b.len), attrs };
}

/** True when a string input looks like an HTML document or fragment rather than text that mentions a tag. */
export function looksLikeHtml(s: string): boolean {
  const head = s.slice(0, 2048);
  const first = head.search(/\S/);
  if (first < 0 || head.charCodeAt(first) !== 60) return false;
  return /<(!doctype|html|head|body|div|p|a|table|span|br|meta|title|img|style|script|!--)[\s>/]/i.test(head);
}
