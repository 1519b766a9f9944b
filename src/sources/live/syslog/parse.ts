/**
 * Syslog message parsing (RFC 5424, and the BSD format RFC 3164 describes) and TCP framing (RFC 6587:
 * octet counting and newline-terminated). Linear scans and anchored regexes only: every byte here
 * comes from the network.
 */

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  facility?: number;
  severity?: number;
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 STRUCTURED-DATA as sent (`[id k="v"]…`), when present. */
  structuredData?: string;
  msg: string;
}

const PRI = /^<(\d{1,3})>/;
const BSD_TIME = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?: \d{4})? /;
const ISO_TIME = /^(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?) /;
const TAG = /^([^\s:[\]]{1,64})(?:\[([^\]\s]{0,32})\])?: ?/;

function nil(v: string | undefined): string | undefined {
  return v === undefined || v === '-' ? undefined : v;
}

/** Parses one syslog message. Anything after a recognizable header is the MSG; without one, the whole text is. */
export function parseSyslog(input: string): SyslogMessage {
  let text = input;
  let facility: number | undefined;
  let severity: number | undefined;
  const pri = text.charCodeAt(0) === 60 ? PRI.exec(text) : null;
  if (pri) {
    const n = Number(pri[1]);
    if (n <= 191) {
      facility = n >> 3;
      severity = n & 7;
      text = text.slice(pri[0].length);
    }
  }
  let m: SyslogMessage | undefined;
  if (facility !== undefined && text.startsWith('1 ')) m = parse5424(text.slice(2));
  m ??= parse3164(text);
  if (facility !== undefined) {
    m.facility = facility;
    m.severity = severity;
  }
  return m;
}

/** `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]` after `<PRI>1 `. */
function parse5424(text: string): SyslogMessage | undefined {
  const fields: string[] = [];
  let i = 0;
  for (let k = 0; k < 5; k++) {
    const sp = text.indexOf(' ', i);
    if (sp === -1 || sp === i) return undefined;
    fields.push(text.slice(i, sp));
    i = sp + 1;
  }
  let sd: string | undefined;
  if (text[i] === '-') i++;
  else if (text[i] === '[') {
    const end = structuredDataEnd(text, i);
    if (end === -1) return undefined;
    sd = text.slice(i, end);
    i = end;
  }
  // Anything else where STRUCTURED-DATA belongs: a sender that left it out; the rest is the MSG.
  let msg = text[i] === ' ' ? text.slice(i + 1) : text.slice(i);
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1);
  const out: SyslogMessage = { format: 'rfc5424', msg };
  const [timestamp, hostname, appName, procId, msgId] = fields.map(nil);
  if (timestamp) out.timestamp = timestamp;
  if (hostname) out.hostname = hostname;
  if (appName) out.appName = appName;
  if (procId) out.procId = procId;
  if (msgId) out.msgId = msgId;
  if (sd) out.structuredData = sd;
  return out;
}

/** Index just after the last `]` of consecutive SD-ELEMENTs starting at `start`; -1 when malformed. */
function structuredDataEnd(text: string, start: number): number {
  let i = start;
  while (text[i] === '[') {
    let inQuote = false;
    i++;
    for (;;) {
      if (i >= text.length) return -1;
      const c = text[i];
      if (inQuote) {
        if (c === '\\') i++;
        else if (c === '"') inQuote = false;
      } else if (c === '"') inQuote = true;
      else if (c === ']') break;
      i++;
    }
    i++;
  }
  return i;
}

/** `Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG`, each part optional, as senders differ. */
function parse3164(text: string): SyslogMessage {
  let rest = text;
  let timestamp: string | undefined;
  const t = BSD_TIME.exec(rest) ?? ISO_TIME.exec(rest);
  if (t) {
    timestamp = t[1];
    rest = rest.slice(t[0].length);
  }
  let hostname: string | undefined;
  // A hostname is a bare token followed by a space; a token ending in ':' or holding '[' is already the tag.
  if (timestamp) {
    const sp = rest.indexOf(' ');
    const tok = sp > 0 ? rest.slice(0, sp) : '';
    if (tok && !tok.endsWith(':') && !tok.includes('[') && !tok.startsWith('{')) {
      hostname = tok;
      rest = rest.slice(sp + 1);
    }
  }
  let appName: string | undefined;
  let procId: string | undefined;
  const tag = rest.startsWith('{') ? null : TAG.exec(rest);
  if (tag) {
    appName = tag[1];
    procId = tag[2] || undefined;
    rest = rest.slice(tag[0].length);
  }
  const out: SyslogMessage = { format: 'rfc3164', msg: rest };
  if (timestamp) out.timestamp = timestamp;
  if (hostname) out.hostname = hostname;
  if (appName) out.appName = appName;
  if (procId) out.procId = procId;
  return out;
}

/** The JSON object a MSG carries (Wazuh `ossec: {…}`, Suricata EVE, rsyslog `@cee: {…}`), or why there is none. */
export function jsonPayload(msg: string): { value: Record<string, unknown> } | { reason: string } {
  let i = 0;
  while (i < msg.length && msg.charCodeAt(i) <= 32) i++;
  if (msg.startsWith('@cee:', i)) {
    i += 5;
    while (i < msg.length && msg.charCodeAt(i) <= 32) i++;
  }
  if (msg.charCodeAt(i) !== 123) {
    const s = msg.slice(i, i + 81).trimEnd();
    return { reason: `the message is not JSON: "${s.slice(0, 80)}${s.length > 80 ? '…' : ''}"` };
  }
  try {
    // JSON.parse skips trailing white space itself: no copy of the message for a trim.
    const v: unknown = JSON.parse(i ? msg.slice(i) : msg);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { value: v as Record<string, unknown> };
    return { reason: 'the message is JSON but not an object' };
  } catch (e) {
    return { reason: `the message is not valid JSON (${(e as Error).message.replace(/^.*?: /, '').slice(0, 120)})` };
  }
}

export type Frame = { message: Buffer } | { tooLong: number } | { badFrame: string };

const EMPTY = Buffer.alloc(0);

/**
 * Splits a TCP byte stream into syslog messages (RFC 6587): a frame starting with a digit is
 * octet-counted (`LEN SP MSG`), anything else runs to the next LF. Memory stays bounded by `max`.
 */
export class Framer {
  private rest: Buffer = EMPTY;
  /** Octet counting: bytes of an over-long frame still to drop. */
  private discard = 0;
  /** Newline framing: drop bytes up to the next LF (an over-long or broken frame). */
  private dropLine = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer, emit: (f: Frame) => void): void {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let i = 0;
    while (i < data.length) {
      if (this.discard > 0) {
        const n = Math.min(this.discard, data.length - i);
        this.discard -= n;
        i += n;
        continue;
      }
      if (this.dropLine) {
        const nl = data.indexOf(0x0a, i);
        if (nl === -1) {
          i = data.length;
          break;
        }
        this.dropLine = false;
        i = nl + 1;
        continue;
      }
      const c = data[i]!;
      if (c >= 0x31 && c <= 0x39) {
        let j = i;
        while (j < data.length && j - i <= 10 && data[j]! >= 0x30 && data[j]! <= 0x39) j++;
        if (j === data.length && j - i <= 10) break; // the length is not complete yet
        if (data[j] !== 0x20 || j - i > 10) {
          emit({ badFrame: 'a frame starting with a digit must be "LENGTH SP MESSAGE" (octet counting)' });
          this.dropLine = true;
          i = j;
          continue;
        }
        const len = Number(data.toString('latin1', i, j));
        if (len > this.max) {
          emit({ tooLong: len });
          this.discard = len;
          i = j + 1;
          continue;
        }
        if (data.length - (j + 1) < len) break; // the frame is not complete yet
        emit({ message: data.subarray(j + 1, j + 1 + len) });
        i = j + 1 + len;
        continue;
      }
      const nl = data.indexOf(0x0a, i);
      if (nl === -1) {
        if (data.length - i > this.max) {
          emit({ tooLong: data.length - i });
          this.dropLine = true;
          i = data.length;
        }
        break;
      }
      let end = nl;
      if (end > i && data[end - 1] === 0x0d) end--;
      if (nl - i > this.max) emit({ tooLong: nl - i });
      else if (end > i) emit({ message: data.subarray(i, end) });
      i = nl + 1;
    }
    this.rest = i < data.length ? Buffer.from(data.subarray(i)) : EMPTY;
  }

  /** Bytes of an unfinished frame when the connection closes (a last line without LF is complete). */
  end(emit: (f: Frame) => void): void {
    if (this.rest.length && !this.discard && !this.dropLine && !(this.rest[0]! >= 0x31 && this.rest[0]! <= 0x39)) {
      emit({ message: this.rest });
    }
    this.rest = EMPTY;
  }
}
