import { readFileSync } from 'node:fs';
import { defineNotificationChannel } from '../../channel.js';
import { EmailConfig } from './config.js';
import { sendMail, type SmtpSettings } from './client.js';

export { EmailConfig };

export default defineNotificationChannel({
  id: 'email',
  description: 'Email over SMTP (TLS or STARTTLS, optional login): the text and HTML bodies of the notification with the incident report attached.',
  remote: true,
  configSchema: EmailConfig,
  create(config, ctx) {
    let user = config.user;
    if (config.userEnv !== undefined) {
      const u = ctx.secrets.get({ env: config.userEnv }, 'the SMTP login name');
      if ('missing' in u) return { disabled: u.missing };
      user = u.value;
    }
    let pass: string | undefined;
    if (config.passwordEnv !== undefined || config.passwordRef !== undefined) {
      const p = ctx.secrets.get({ env: config.passwordEnv, ref: config.passwordRef }, 'the SMTP password');
      if ('missing' in p) return { disabled: p.missing };
      pass = p.value;
    }
    let ca: string | undefined;
    if (config.tls.caFile !== undefined) {
      try {
        ca = readFileSync(config.tls.caFile, 'utf8');
      } catch (e) {
        return { disabled: `cannot read tls.caFile ${config.tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
      }
    }
    const settings: SmtpSettings = {
      host: config.host,
      port: config.port,
      secure: config.secure ?? config.port === 465,
      starttls: config.starttls,
      ...(user !== undefined && pass !== undefined && { auth: { user, pass } }),
      tls: { rejectUnauthorized: config.tls.rejectUnauthorized, ...(config.tls.servername !== undefined && { servername: config.tls.servername }), ...(ca !== undefined && { ca }) },
      timeoutMs: config.timeout,
    };
    return {
      async send(n) {
        const { messageId } = await sendMail(settings, {
          id: n.id,
          from: config.from,
          to: config.to,
          cc: config.cc,
          bcc: config.bcc,
          subject: n.subject,
          text: n.text,
          html: n.html,
          headers: { 'X-Vigil-Notification': n.id, 'X-Vigil-Severity': n.severity, ...(n.caseNumber > 0 && { 'X-Vigil-Case': String(n.caseNumber) }) },
          attachments: config.attachReport ? n.attachments : [],
        });
        return { location: `${messageId} via ${config.host}:${config.port}` };
      },
    };
  },
});
