// A linear scan of an HTML body for what phishing analysis needs: anchors with their visible text,
// forms and password fields, meta refresh, scripts, hidden text, tracking pixels and the text a
// reader sees. Not a conforming parser (no tree building, no error recovery beyond closing the
// nearest matching element): mail HTML is read, never rendered.

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen']);
const BLOCK = new Set(['p', 'div', 'br', 'tr', 'td', 'th', 'li', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'section', 'article', 'header', 'footer', 'title', 'center', 'hr']);
const MAX_STACK = 256;
const RAW_END: Record<string, RegExp> = { script: /<\/script/gi, style: /<\/style/gi, title: /<\/title/gi, textarea: /<\/textarea/gi };
const MAX_TAGS = 200_000;
// White space that collapsing or trimming would change: a run, a non-space blank, or one at either end.
const MESSY_SPACE = /\s\s|[^\S ]|^\s|\s$/;
// Inside trimmed text: a run of blanks, or a blank other than a plain space.
const MESSY_INNER = /\s\s|[^\S ]/;

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', period: '.', commat: '@', colon: ':', sol: '/', num: '#',
  equals: '=', percnt: '%', quest: '?', hyphen: '-', dash: '-', lowbar: '_', copy: '©', reg: '®', shy: '', zwnj: '', zwj: '',
  ndash: '–', mdash: '—', hellip: '…', rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”', euro: '€', bull: '•', middot: '·',
};

/** Decodes character references (&#46; &#x2e; &amp; …) in a short string. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,8}|#\d{1,9}|[a-zA-Z]{2,10});?/g, (m, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    const v = NAMED[body.toLowerCase()];
    return v === undefined ? m : v;
  });
}

export interface HtmlAnchor {
  href: string;
  text: string;
  /** Image alt text inside the anchor, when the anchor shows only an image. */
  alt: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  password: boolean;
  inputs: number;
}

export interface HtmlScan {
  anchors: HtmlAnchor[];
  forms: HtmlForm[];
  passwordFields: number;
  metaRefresh: string[];
  scripts: number;
  /** on* event-handler attributes. */
  handlers: number;
  iframes: string[];
  images: number;
  trackingPixels: string[];
  hiddenText: string;
  /** What a reader sees, whitespace collapsed. */
  text: string;
  /** data:text/html URIs and other URL-bearing attributes worth checking (img/iframe/form targets). */
  resources: Array<{ url: string; tag: string }>;
  /** Script text (capped), for decoding-trick checks in HTML attachments. */
  scriptText: string;
  truncated: boolean;
}

// The attributes the analysis reads, each with a slot: a tag's values are written into one reused
// array instead of a map per tag (a newsletter has thousands of tags).
const ATTRS = ['href', 'src', 'alt', 'width', 'height', 'style', 'hidden', 'action', 'method', 'type', 'http-equiv', 'content', 'data'] as const;
const ATTR_SLOT = new Map<string, number>(ATTRS.map((a, k) => [a, k]));
const HREF = 0;
const SRC = 1;
const ALT = 2;
const WIDTH = 3;
const HEIGHT = 4;
const STYLE = 5;
const HIDDEN = 6;
const ACTION = 7;
const METHOD = 8;
const TYPE = 9;
const HTTP_EQUIV = 10;
const CONTENT = 11;
const DATA = 12;
// Their first letters, lower-cased: a cheap first test before any string is made.
const KEPT_FIRST = new Set(ATTRS.map((a) => a.charCodeAt(0)));

/** What readTag found: valid until the next call. */
const tag = {
  name: '',
  closing: false,
  end: 0,
  /** on* event-handler attributes. */
  handlers: 0,
  /** Values of the attributes in ATTRS, by slot; undefined when absent. */
  attrs: new Array<string | undefined>(ATTRS.length).fill(undefined),
};

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 58 || c === 95;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

const NOT_A_TAG = 0;
const TAG = 1;
const EOF = 2;

// Reads the tag starting at `lt` ('<') into `tag`: NOT_A_TAG, TAG, or EOF when it runs past the end
// (then nothing after it can be a tag either, which keeps "<a <a <a …" linear).
function readTag(html: string, lt: number): number {
  const n = html.length;
  const closing = html.charCodeAt(lt + 1) === 47;
  const nameFrom = closing ? lt + 2 : lt + 1;
  const f = html.charCodeAt(nameFrom);
  if (!((f >= 97 && f <= 122) || (f >= 65 && f <= 90))) return NOT_A_TAG;
  let j = nameFrom;
  let upper = false;
  for (; j < n; j++) {
    const c = html.charCodeAt(j);
    if (!isNameChar(c)) break;
    if (c >= 65 && c <= 90) upper = true;
  }
  const attrs = tag.attrs;
  for (let a = 0; a < attrs.length; a++) attrs[a] = undefined;
  let handlers = 0;
  let k = j;
  while (k < n) {
    const c = html.charCodeAt(k);
    if (c === 62) {
      tag.name = upper ? html.slice(nameFrom, j).toLowerCase() : html.slice(nameFrom, j);
      tag.closing = closing;
      tag.end = k + 1;
      tag.handlers = handlers;
      return TAG;
    }
    if (isSpace(c) || c === 47) {
      k++;
      continue;
    }
    const an = k;
    while (k < n) {
      const d = html.charCodeAt(k);
      if (isSpace(d) || d === 61 || d === 62 || d === 47) break;
      k++;
    }
    if (k === an) {
      k++;
      continue;
    }
    // Only the few attributes the analysis reads are cut out as strings; the rest are stepped over.
    const alen = k - an;
    const c0 = html.charCodeAt(an) | 32;
    const handler = alen > 2 && c0 === 111 /* o */ && (html.charCodeAt(an + 1) | 32) === 110; /* n */
    let slot = -1;
    if (alen >= 3 && alen <= 10 && KEPT_FIRST.has(c0)) {
      const sl = ATTR_SLOT.get(html.slice(an, k).toLowerCase());
      // the first occurrence of an attribute counts, as in a browser
      if (sl !== undefined && attrs[sl] === undefined) slot = sl;
    }
    let p = k;
    while (p < n && isSpace(html.charCodeAt(p))) p++;
    if (html.charCodeAt(p) !== 61) {
      if (slot >= 0) attrs[slot] = '';
      else if (handler) handlers++;
      continue;
    }
    p++;
    while (p < n && isSpace(html.charCodeAt(p))) p++;
    const q = html.charCodeAt(p);
    let from: number;
    let to: number;
    if (q === 34 || q === 39) {
      const close = html.indexOf(q === 34 ? '"' : "'", p + 1);
      if (close < 0) return EOF;
      from = p + 1;
      to = close;
      k = close + 1;
    } else {
      from = p;
      while (p < n && !isSpace(html.charCodeAt(p)) && html.charCodeAt(p) !== 62) p++;
      to = p;
      k = p;
    }
    if (slot >= 0) attrs[slot] = html.slice(from, Math.min(to, from + 8192));
    else if (handler) handlers++;
  }
  return EOF;
}

/** Inline style that hides an element's content from the reader. */
export function hidesContent(style: string): boolean {
  // Most inline styles are layout and colour: skip them without normalising.
  if (!/none|hidden|font-size|opacity|max-height/i.test(style)) return false;
  const s = style.toLowerCase().replace(/\s+/g, '');
  if (s.includes('display:none') || s.includes('visibility:hidden')) return true;
  if (/font-size:0(?![.\d])/.test(s) || /font-size:0?\.0*[0-4](?:px|pt)/.test(s)) return true;
  if (/(?:^|;)opacity:0(?![.\d])/.test(s)) return true;
  if (/max-height:0(?![.\d])/.test(s) && s.includes('overflow:hidden')) return true;
  return false;
}

// A width or height attribute: "1", " 2px ", "120PX" (1–5 digits); anything else is null.
function px(v: string | undefined): number | null {
  if (v === undefined) return null;
  let i = 0;
  const n = v.length;
  while (i < n && isBlank(v.charCodeAt(i))) i++;
  let value = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 5) return null;
  if (i + 1 < n && (v.charCodeAt(i) | 32) === 112 && (v.charCodeAt(i + 1) | 32) === 120) i += 2;
  while (i < n && isBlank(v.charCodeAt(i))) i++;
  return i === n ? value : null;
}

// White space as the pattern \s saw it in attribute values (ASCII blanks, NBSP, and the Unicode spaces).
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const STYLE_DIM = { width: /(?:^|[;\s])width\s*:\s*(\d{1,5})px/i, height: /(?:^|[;\s])height\s*:\s*(\d{1,5})px/i };

function styleDim(style: string, prop: 'width' | 'height'): number | null {
  if (!style) return null;
  const m = STYLE_DIM[prop].exec(style);
  return m ? Number(m[1]) : null;
}

export interface ScanOptions {
  maxChars: number;
  maxAnchors: number;
}

/** Scans an HTML body. Linear in its length (capped at `maxChars`). */
export function scanHtml(input: string, opts: ScanOptions): HtmlScan {
  const truncated = input.length > opts.maxChars;
  const html = truncated ? input.slice(0, opts.maxChars) : input;
  const out: HtmlScan = {
    anchors: [],
    forms: [],
    passwordFields: 0,
    metaRefresh: [],
    scripts: 0,
    handlers: 0,
    iframes: [],
    images: 0,
    trackingPixels: [],
    hiddenText: '',
    text: '',
    resources: [],
    scriptText: '',
    truncated,
  };
  const text: string[] = [];
  let textLen = 0;
  const hidden: string[] = [];
  let hiddenLen = 0;
  // Open elements with whether they hide their content; a hidden ancestor hides everything below.
  const stackNames: string[] = [];
  const stackHidden: boolean[] = [];
  let depth = 0;
  let hiddenDepth = 0;
  let anchor: { href: string; text: string[]; alt: string } | null = null;
  let form: HtmlForm | null = null;
  let inHead = false;
  let tags = 0;

  // The visible text is normalised as it is built: white space between pieces becomes one pending
  // separator (a line break wins over a space), dropped at either end, so no pass over the whole
  // text is needed afterwards.
  let sep = 0; // 0 none, 1 space, 2 line break
  let emitted = false;
  const addText = (piece: string): void => {
    if (textLen >= opts.maxChars) return;
    if (sep !== 0 && emitted) {
      text.push(sep === 2 ? '\n' : ' ');
      textLen++;
    }
    sep = 0;
    emitted = true;
    text.push(piece);
    textLen += piece.length;
  };
  const visibleText = (t: string): void => {
    const n = t.length;
    let a = 0;
    let lead = 0;
    for (; a < n; a++) {
      const c = t.charCodeAt(a);
      if (!isBlank(c)) break;
      lead = c === 10 || lead === 2 ? 2 : 1;
    }
    if (a === n) {
      if (lead > sep) sep = lead;
      return;
    }
    if (lead > sep) sep = lead;
    let b = n;
    let trail = 0;
    for (; b > a; b--) {
      const c = t.charCodeAt(b - 1);
      if (!isBlank(c)) break;
      trail = c === 10 || trail === 2 ? 2 : 1;
    }
    let core = a > 0 || b < n ? t.slice(a, b) : t;
    // inside a piece: runs of blanks collapsed, lines trimmed (the look-behind keeps this linear)
    if (MESSY_INNER.test(core)) core = core.replace(/[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+/g, ' ').replace(/(?<![^\S\n])[^\S\n]+\n\s*|\n\s+/g, '\n');
    addText(core);
    if (trail > sep) sep = trail;
  };
  const pushText = (raw: string): void => {
    if (raw.length === 0) return;
    // Formatting between tags ("\n    "): one separator is all it adds to the text.
    let k = 0;
    let newline = false;
    for (; k < raw.length; k++) {
      const c = raw.charCodeAt(k);
      if (c === 10) newline = true;
      else if (!(c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0)) break;
    }
    const t = k === raw.length ? (newline ? '\n' : ' ') : decodeEntities(raw);
    if (hiddenDepth > 0) {
      if (hiddenLen < 20_000) {
        hidden.push(t);
        hiddenLen += t.length;
      }
      return;
    }
    if (inHead) return;
    visibleText(t);
    if (anchor && anchor.text.length < 50) anchor.text.push(t);
  };
  // A block element's line break: what pushText('\n') does, without looking at the string.
  const pushNewline = (): void => {
    if (hiddenDepth > 0) {
      if (hiddenLen < 20_000) {
        hidden.push('\n');
        hiddenLen++;
      }
      return;
    }
    if (inHead) return;
    sep = 2;
    if (anchor && anchor.text.length < 50) anchor.text.push('\n');
  };
  const closeAnchor = (): void => {
    if (!anchor) return;
    if (out.anchors.length < opts.maxAnchors) {
      const joined = anchor.text.length === 1 ? anchor.text[0]! : anchor.text.join('');
      // most link texts are already single-spaced words
      const t = MESSY_SPACE.test(joined) ? joined.replace(/\s+/g, ' ').trim() : joined;
      out.anchors.push({ href: anchor.href, text: t.length > 500 ? t.slice(0, 500) : t, alt: anchor.alt });
    }
    anchor = null;
  };

  let i = 0;
  let textFrom = 0;
  const n = html.length;
  while (i < n && tags < MAX_TAGS) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      pushText(html.slice(textFrom, lt));
      const close = html.indexOf('-->', lt + 4);
      i = textFrom = close < 0 ? n : close + 3;
      continue;
    }
    const c1 = html.charCodeAt(lt + 1);
    if (c1 === 33 || c1 === 63) {
      pushText(html.slice(textFrom, lt));
      const close = html.indexOf('>', lt + 2);
      i = textFrom = close < 0 ? n : close + 1;
      continue;
    }
    const r = readTag(html, lt);
    if (r === EOF) break;
    if (r === NOT_A_TAG) {
      i = lt + 1;
      continue;
    }
    tags++;
    pushText(html.slice(textFrom, lt));
    i = textFrom = tag.end;
    const name = tag.name;
    const attrs = tag.attrs;
    if (tag.closing) {
      if (name === 'a') closeAnchor();
      else if (name === 'form') form = null;
      else if (name === 'head') inHead = false;
      for (let s = depth - 1; s >= 0 && s >= depth - 64; s--) {
        if (stackNames[s] !== name) continue;
        while (depth > s) {
          depth--;
          if (stackHidden[depth]) hiddenDepth--;
        }
        break;
      }
      if (BLOCK.has(name)) pushNewline();
      continue;
    }
    out.handlers += tag.handlers;
    const style = attrs[STYLE] ?? '';
    const hides = (style !== '' && hidesContent(style)) || attrs[HIDDEN] !== undefined;
    switch (name) {
      case 'head':
        inHead = true;
        break;
      case 'body':
        inHead = false;
        break;
      case 'a': {
        closeAnchor();
        const href = attrs[HREF];
        if (href !== undefined) anchor = { href: decodeEntities(href).trim(), text: [], alt: '' };
        break;
      }
      case 'img': {
        out.images++;
        const src = decodeEntities(attrs[SRC] ?? '').trim();
        const alt = decodeEntities(attrs[ALT] ?? '').trim();
        if (anchor && alt && !anchor.alt) anchor.alt = alt.slice(0, 200);
        const w = px(attrs[WIDTH]) ?? styleDim(style, 'width');
        const h = px(attrs[HEIGHT]) ?? styleDim(style, 'height');
        const tiny = (w !== null && w <= 2 && (h === null || h <= 2)) || (h !== null && h <= 2 && w !== null && w <= 2);
        if (/^https?:\/\//i.test(src) && (tiny || hides) && out.trackingPixels.length < 20) out.trackingPixels.push(src);
        if (src && out.resources.length < 200) out.resources.push({ url: src, tag: 'img' });
        break;
      }
      case 'form': {
        form = { action: decodeEntities(attrs[ACTION] ?? '').trim(), method: (attrs[METHOD] ?? 'get').toLowerCase(), password: false, inputs: 0 };
        if (out.forms.length < 50) out.forms.push(form);
        break;
      }
      case 'input': {
        const type = (attrs[TYPE] ?? 'text').toLowerCase();
        if (type === 'password') {
          out.passwordFields++;
          if (form) form.password = true;
        }
        if (form) form.inputs++;
        break;
      }
      case 'button':
      case 'textarea':
      case 'select':
        if (form) form.inputs++;
        break;
      case 'meta': {
        if ((attrs[HTTP_EQUIV] ?? '').toLowerCase() === 'refresh' && out.metaRefresh.length < 10) out.metaRefresh.push(decodeEntities(attrs[CONTENT] ?? ''));
        break;
      }
      case 'iframe':
      case 'frame':
      case 'embed':
      case 'object': {
        const src = decodeEntities(attrs[SRC] ?? attrs[DATA] ?? '').trim();
        if (out.iframes.length < 20) out.iframes.push(src);
        if (src && out.resources.length < 200) out.resources.push({ url: src, tag: name });
        break;
      }
      case 'script': {
        // Structured data (JSON-LD for mail-client actions) and templates are not code.
        const type = (attrs[TYPE] ?? '').toLowerCase();
        if (type.includes('json') || type.includes('template')) break;
        out.scripts++;
        const src = attrs[SRC];
        if (src && out.resources.length < 200) out.resources.push({ url: decodeEntities(src).trim(), tag: 'script' });
        break;
      }
      default:
        break;
    }
    if (name === 'script' || name === 'style' || name === 'title' || name === 'textarea') {
      // Raw-text elements: their content is not markup. Titles are shown (in the tab); the rest not.
      const re = RAW_END[name]!;
      re.lastIndex = tag.end;
      const m = re.exec(html);
      const stop = m === null ? n : m.index;
      if (name === 'title' || name === 'textarea') pushText(html.slice(tag.end, stop));
      else if (name === 'script' && out.scriptText.length < 200_000) out.scriptText += `${html.slice(tag.end, Math.min(stop, tag.end + 200_000))}\n`;
      const close = m === null ? n : html.indexOf('>', stop);
      i = textFrom = close < 0 ? n : close + 1;
      continue;
    }
    if (BLOCK.has(name)) pushNewline();
    if (!VOID.has(name) && depth < MAX_STACK) {
      stackNames[depth] = name;
      stackHidden[depth] = hides;
      depth++;
      if (hides) hiddenDepth++;
    }
  }
  pushText(html.slice(textFrom));
  closeAnchor();
  out.text = text.join('');
  out.hiddenText = hidden.join(' ').replace(/\s+/g, ' ').trim();
  return out;
}
