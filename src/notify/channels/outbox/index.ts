import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { defineNotificationChannel } from '../../channel.js';

export const OutboxConfig = z.strictObject({
  /** Folder for messages; relative paths resolve under the run's output folder. */
  dir: z.string().default('outbox'),
});

/** Message files are named by case, severity and id, so the same notification always lands in the same files. */
export function outboxBaseName(n: { caseNumber: number; severity: string; id: string }): string {
  // A digest is about several cases (case number 0): named as one.
  const what = n.caseNumber > 0 ? `case-${String(n.caseNumber).padStart(4, '0')}` : 'digest';
  return `${what}-${n.severity.toLowerCase()}-${n.id.slice(-8)}`;
}

export default defineNotificationChannel({
  id: 'outbox',
  description: 'Local outbox folder: a JSON envelope plus the text and HTML bodies and attachments. Nothing leaves the machine.',
  remote: false,
  configSchema: OutboxConfig,
  create(config, ctx) {
    const dir = join(ctx.outDir, config.dir);
    return {
      async send(n) {
        await mkdir(dir, { recursive: true });
        const base = outboxBaseName(n);
        const location = relative(ctx.outDir, join(dir, `${base}.json`));
        // The envelope is written last, so its presence means an earlier delivery completed: a re-run
        // leaves it (and its createdAt) as it was instead of rewriting it with a new time.
        if (existsSync(join(dir, `${base}.json`))) return { location };
        const attachments: string[] = [];
        for (const a of n.attachments) {
          const name = `${base}--${a.filename.replace(/[^a-zA-Z0-9._-]+/g, '_')}`;
          await writeFile(join(dir, name), a.content);
          attachments.push(name);
        }
        const envelope = {
          id: n.id,
          channel: 'outbox',
          caseId: n.caseId,
          caseNumber: n.caseNumber,
          severity: n.severity,
          subject: n.subject,
          createdAt: ctx.clock.now().toISOString(),
          bodies: { text: `${base}.txt`, html: `${base}.html` },
          attachments,
          data: n.data,
        };
        await writeFile(join(dir, `${base}.txt`), n.text);
        await writeFile(join(dir, `${base}.html`), n.html);
        await writeFile(join(dir, `${base}.json`), `${JSON.stringify(envelope, null, 2)}\n`);
        return { location };
      },
    };
  },
});
