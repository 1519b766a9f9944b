import { Command, Option } from 'commander';
import { ApiKeys, ROLES, type Role } from '../../auth/keys.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import type { StoreHandle } from '../../store/db.js';
import { printJson, reportError, table } from '../output.js';

async function withKeys<T>(opts: { config?: string }, purpose: string, fn: (keys: ApiKeys) => Promise<T>): Promise<T> {
  const { config } = loadConfig(opts.config ? { file: opts.config } : {});
  const { openStore } = await import('../../store/db.js');
  let store: StoreHandle | undefined;
  try {
    store = await openStore({ databaseUrl: config.database.url, dataDir: config.dataDir, purpose });
    return await fn(new ApiKeys(store.db, () => new Date()));
  } finally {
    await store?.close();
  }
}

/** `vigil keys create|list|revoke`: API keys for the HTTP API, stored hashed. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('API keys for the HTTP API and the TheHive-compatible API (stored hashed; shown once)');

  keys
    .command('create')
    .description('Create a key and print it once')
    .requiredOption('-n, --name <name>', 'who or what uses it (e.g. wazuh-manager-1, alice)')
    .addOption(new Option('-r, --role <role>', 'what it may do').choices([...ROLES]).default('analyst'))
    .option('--org <org>', 'organisation', 'default')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print {"key","name","role","org","id"}')
    .action(async (opts: { name: string; role: Role; org: string; config?: string; json?: boolean }) => {
      try {
        const made = await withKeys(opts, 'vigil keys create', (k) => k.create({ name: opts.name, role: opts.role, org: opts.org }));
        if (opts.json) printJson({ key: made.key, name: made.info.name, role: made.info.role, org: made.info.org, id: made.info.id });
        else {
          process.stdout.write(`${made.key}\n`);
          process.stderr.write(`API key "${made.info.name}" (${made.info.role}, org ${made.info.org}) created. It is shown only now: store it safely.\n`);
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  keys
    .command('list')
    .description('The keys that are in force (with --all, revoked ones too); never the keys themselves')
    .option('--all', 'include revoked keys')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; config?: string; json?: boolean }) => {
      try {
        const list = await withKeys(opts, 'vigil keys list', (k) => k.list({ all: !!opts.all }));
        if (opts.json) printJson({ keys: list });
        else if (!list.length) process.stdout.write('no API keys (create one with `vigil keys create --name NAME --role ROLE`)\n');
        else
          process.stdout.write(
            `${table([['id', 'name', 'role', 'org', 'key starts', 'created', 'last used', 'revoked'], ...list.map((k) => [k.id, k.name, k.role, k.org, `${k.prefix}…`, k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-'])])}\n`,
          );
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  keys
    .command('revoke')
    .description('Revoke a key by id, name or the start shown in `keys list`')
    .argument('<key>', 'id, name or start of the key')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { config?: string; json?: boolean }) => {
      try {
        const n = await withKeys(opts, 'vigil keys revoke', (k) => k.revoke(ref));
        if (!n) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `no key in force matches "${ref}"`, { field: 'key' });
        if (opts.json) printJson({ revoked: n });
        else process.stdout.write(`revoked ${n} key${n > 1 ? 's' : ''}\n`);
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  return keys;
}
