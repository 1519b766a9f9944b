import { DeliveryError } from '../../errors.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  starttls: 'required' | 'opportunistic' | 'never';
  auth?: { user: string; pass: string };
  tls: { rejectUnauthorized: boolean; servername?: string; ca?: string };
  timeoutMs: number;
}

export interface MailToSend {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; content: string | Uint8Array }>;
}

// Failures that the same settings will meet again: wrong credentials, refused addresses, a server
// that cannot do the TLS the config demands. Everything else (refused or dropped connections,
// timeouts, DNS) ends the attempt, not the message.
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'ECONFIG', 'ETLS', 'EREQUIRETLS', 'EFILEACCESS', 'EURLACCESS']);

function retryable(err: { code?: string; responseCode?: number; permanent?: boolean }): boolean {
  // SMTP says itself whether a rejection is final: 5xx (except 503) is, 4xx is not.
  if (err.permanent !== undefined) return !err.permanent;
  if (err.responseCode !== undefined) return err.responseCode < 500 || err.responseCode === 503;
  return !PERMANENT_CODES.has(err.code ?? '');
}

function domainOf(address: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(address);
  return m?.[1] ?? 'vigil.invalid';
}

/**
 * One message over SMTP with nodemailer. The Message-ID is derived from the notification id, so
 * a retried message carries the same id and a mail system can drop the duplicate. nodemailer may
 * not read files or URLs here: attachments are bytes Vigil hands it, nothing else.
 */
export async function sendMail(s: SmtpSettings, m: MailToSend): Promise<{ messageId: string }> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: !s.secure && s.starttls === 'required',
    ignoreTLS: !s.secure && s.starttls === 'never',
    ...(s.auth && { auth: { user: s.auth.user, pass: s.auth.pass } }),
    tls: { ...s.tls, minVersion: 'TLSv1.2' },
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const messageId = `<${m.id}@${domainOf(m.from)}>`;
  try {
    const info = await transport.sendMail({
      from: m.from,
      to: m.to,
      ...(m.cc.length && { cc: m.cc }),
      ...(m.bcc.length && { bcc: m.bcc }),
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId,
      headers: { ...m.headers, 'Auto-Submitted': 'auto-generated' },
      attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: typeof a.content === 'string' ? a.content : Buffer.from(a.content) })),
    });
    return { messageId: info.messageId || messageId };
  } catch (e) {
    const err = e as { code?: string; responseCode?: number; permanent?: boolean; response?: string; message?: string; originalCode?: string };
    const code = err.originalCode ?? err.code;
    const reply = err.responseCode !== undefined ? ` (SMTP ${err.responseCode}${err.response ? `: ${oneLine(err.response)}` : ''})` : '';
    throw new DeliveryError(`email: ${s.host}:${s.port}: ${code ? `${code}: ` : ''}${oneLine(err.message ?? String(e))}${reply && !(err.message ?? '').includes(String(err.responseCode)) ? reply : ''}`, { retryable: retryable(err), cause: e });
  } finally {
    transport.close();
  }
}

function oneLine(s: string): string {
  const t = s.replace(/[\r\n\t]+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}
