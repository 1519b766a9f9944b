import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createBackup, restoreBackup, verifyBackup, type StoreTarget } from '../../store/backup.js';
import { printJson, rel, reportError, table } from '../output.js';

function targetOf(opts: { config?: string }): StoreTarget {
  const { config } = loadConfig(opts.config ? { file: opts.config } : {});
  return { databaseUrl: config.database.url, dataDir: config.dataDir };
}

const storeName = (kind: 'pglite' | 'postgres', location: string): string => (kind === 'postgres' ? `PostgreSQL ${location}` : `the embedded store ${rel(location)}`);

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Tables with rows first, the largest on top; empty ones summed in one line. */
function tableRows(tables: Record<string, number>): string {
  const full = Object.entries(tables).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const empty = Object.keys(tables).length - full.length;
  return `${table(full.map(([t, n]) => [t, n.toLocaleString('en-US')]))}${empty ? `\n  (${empty} empty table${empty > 1 ? 's' : ''})` : ''}\n`;
}

/** `vigil backup create|verify|restore`: the store in one file, and back (docs/deploy.md). */
export function backupCommand(): Command {
  const backup = new Command('backup').description('Back up the store to one file, check a backup, restore one into an empty store (embedded or PostgreSQL)');

  backup
    .command('create')
    .description('Write a consistent snapshot of the store (PostgreSQL: pg_dump; embedded: every row as JSON) and a manifest to FILE')
    .argument('<file>', 'the backup file to write (a tar)')
    .option('--force', 'replace FILE when it exists')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { force?: boolean; config?: string; json?: boolean }) => {
      try {
        const s = await createBackup(file, targetOf(opts), { force: !!opts.force });
        if (opts.json) printJson(s);
        else {
          process.stdout.write(`Backed up ${storeName(s.store, s.location)} to ${rel(s.file)}: ${s.rows.toLocaleString('en-US')} rows, ${size(s.bytes)}, schema ${s.migration}, ${(s.ms / 1000).toFixed(1)} s\n`);
          process.stdout.write(tableRows(s.tables));
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  backup
    .command('verify')
    .description('Check a backup without a store: manifest, sizes and checksums, row counts, and whether this Vigil can restore it')
    .argument('<file>', 'the backup file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        const r = await verifyBackup(file);
        if (opts.json) printJson(r);
        else {
          const m = r.manifest;
          process.stdout.write(`${rel(r.file)}: a backup of ${storeName(m.source.kind, m.source.location)} by Vigil ${m.vigil} at ${m.createdAt}, schema ${m.schema.migration}, ${r.rows.toLocaleString('en-US')} rows\n`);
          for (const n of r.notes) process.stdout.write(`  note: ${n}\n`);
          if (r.ok) process.stdout.write(`OK: every member is whole and every count matches${r.restorable ? '; this Vigil can restore it' : ''}\n`);
          else for (const p of r.problems) process.stderr.write(`vigil: ${rel(r.file)}: ${p}\n`);
        }
        if (!r.ok) process.exitCode = 1;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  backup
    .command('restore')
    .description('Restore a backup into the configured store, which must be empty; a store of the other kind works too (embedded → PostgreSQL with VIGIL_DATABASE_URL set)')
    .argument('<file>', 'the backup file')
    .option('--force', 'replace what the store holds (its Vigil tables are dropped first)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { force?: boolean; config?: string; json?: boolean }) => {
      try {
        const s = await restoreBackup(file, targetOf(opts), { force: !!opts.force });
        if (opts.json) printJson(s);
        else {
          const migrated = s.migration.backup === s.migration.now ? `schema ${s.migration.now}` : `schema ${s.migration.backup}, migrated to ${s.migration.now}`;
          process.stdout.write(`Restored ${rel(s.file)} (from ${s.from === 'postgres' ? 'PostgreSQL' : 'an embedded store'}) into ${storeName(s.store, s.location)}${s.replaced ? ', replacing what it held' : ''}: ${s.rows.toLocaleString('en-US')} rows, ${migrated}, ${(s.ms / 1000).toFixed(1)} s\n`);
          process.stdout.write(tableRows(s.tables));
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  return backup;
}
