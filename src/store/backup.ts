// `vigil backup create | verify | restore`: a consistent snapshot of the store in one file, and
// back into an empty store of either kind (docs/deploy.md, "Backups").
//
// The file is a tar holding manifest.json (Vigil version, schema migration, row counts, members
// with SHA-256) and the data:
//   - PostgreSQL: `database.pgdump`, pg_dump's custom format taken on the snapshot the counts were
//     read in (an exported snapshot), so manifest and dump agree; pg_restore can read it by hand.
//   - Embedded (PGlite): `tables/<table>.jsonl.gz`, every row as the JSON PostgreSQL itself writes
//     (row_to_json), read in one repeatable-read transaction. Not PGlite's data-folder dump: that is
//     the file layout of PGlite's own PostgreSQL build, which a PostgreSQL server cannot load and a
//     later PGlite may not either; rows as JSON load into both (json_populate_recordset), which is
//     what moving from the embedded store to PostgreSQL needs.
// Restore brings an empty store to the backup's schema migration, loads the rows, and then applies
// the migrations this Vigil has on top, so a backup made by an older Vigil restores into a newer one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { getTableName, is, sql, type SQL } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../config.js';
import { VigilError } from '../core/errors.js';
import { maskUrl, MIGRATIONS, openStore, type Db, type StoreHandle } from './db.js';
import * as schema from './schema.js';
import { memberStream, readMember, readTarIndex, TarWriter, type TarMember, type WrittenMember } from './tar.js';

/** Which store: PostgreSQL when `databaseUrl` is set, otherwise the embedded one in `dataDir`. */
export interface StoreTarget {
  databaseUrl?: string | undefined;
  dataDir: string;
}

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'not a plain SQL identifier');
const MemberName = z.string().regex(/^[a-z0-9_][a-z0-9_./-]{0,99}$/, 'not a member name a backup writes');

export const BackupManifest = z.strictObject({
  format: z.literal('vigil-backup'),
  formatVersion: z.literal(1),
  /** The Vigil that wrote it. */
  vigil: z.string().max(100),
  createdAt: z.string().max(40),
  source: z.strictObject({ kind: z.enum(['pglite', 'postgres']), server: z.string().max(500), location: z.string().max(2000) }),
  /** The last migration applied to the store when it was backed up. */
  schema: z.strictObject({ migration: z.string().max(200), when: z.number().int(), hash: z.string().regex(/^[0-9a-f]{64}$/), applied: z.number().int().min(1) }),
  data: z.enum(['jsonl', 'pg_dump']),
  /** Every table of the store with its row count; `columns` and `member` for JSON-lines data. */
  tables: z.record(Identifier, z.strictObject({ rows: z.number().int().min(0), columns: z.array(Identifier).max(1600).optional(), member: MemberName.optional() })),
  /** Sequence positions for JSON-lines data (pg_dump carries its own). */
  sequences: z.record(Identifier, z.strictObject({ value: z.string().regex(/^-?\d{1,20}$/), isCalled: z.boolean() })),
  members: z.array(z.strictObject({ name: MemberName, bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(2000),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

const MANIFEST = 'manifest.json';
const PGDUMP = 'database.pgdump';
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Longest row accepted from a backup; a longer "line" means a damaged file, not a row. */
const MAX_ROW_BYTES = 256 * 1024 * 1024;
const FETCH_ROWS = 2000;
const BATCH_ROWS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

export function vigilVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// ---- the store side -------------------------------------------------------------------------

type Exec = Pick<Db, 'execute'>;

async function rows<T>(db: Exec, q: SQL): Promise<T[]> {
  return ((await db.execute(q)) as unknown as { rows: T[] }).rows;
}

const ident = (name: string): SQL => sql.raw(`"${name.replaceAll('"', '""')}"`);
const table = (name: string): SQL => sql.raw(`public."${name.replaceAll('"', '""')}"`);

interface Migration {
  tag: string;
  when: number;
  hash: string;
}

/** The migrations this Vigil ships, in order, with the hash drizzle records for each (SHA-256 of its SQL). */
export function localMigrations(folder = MIGRATIONS): Migration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string; when: number }> };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when, hash: createHash('sha256').update(readFileSync(join(folder, `${e.tag}.sql`))).digest('hex') }));
}

/** The last migration applied to a store, named by this Vigil's journal when it knows it. */
async function appliedMigration(db: Exec): Promise<{ when: number; hash: string; applied: number; tag: string | undefined } | undefined> {
  const [reg] = await rows<{ t: string | null }>(db, sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`);
  if (!reg?.t) return undefined;
  const applied = await rows<{ hash: string; created_at: string | number }>(db, sql`select hash, created_at from drizzle.__drizzle_migrations order by created_at`);
  const last = applied.at(-1);
  if (!last) return undefined;
  const when = Number(last.created_at);
  return { when, hash: last.hash, applied: applied.length, tag: localMigrations().find((m) => m.when === when && m.hash === last.hash)?.tag };
}

async function publicTables(db: Exec): Promise<string[]> {
  const r = await rows<{ name: string }>(db, sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`);
  return r.map((x) => x.name);
}

/** Row counts of the tables given, in the snapshot of `db`. */
async function countRows(db: Exec, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await rows<{ n: string | number }>(db, sql`select count(*) as n from ${table(t)}`))[0]!.n);
  return out;
}

/** The tables Vigil's schema defines: with the backup's own, the only ones a restore may drop. */
function vigilTables(): string[] {
  return Object.values(schema)
    .filter((v) => is(v, PgTable))
    .map((t) => getTableName(t as PgTable));
}

function storeError(target: StoreTarget, doing: string, e: unknown): VigilError {
  if (e instanceof VigilError && e.code === 'VIGIL_STORE_LOCKED') {
    return new VigilError('VIGIL_STORE_LOCKED', `${e.message} ${doing} needs the embedded store to itself: stop vigil serve (or the process named) first. PostgreSQL stores are backed up while they run.`, { cause: e });
  }
  if (e instanceof VigilError) return e;
  const where = target.databaseUrl ? `PostgreSQL ${maskUrl(target.databaseUrl)}` : `the embedded store in ${target.dataDir}`;
  // drizzle wraps the driver's error in "Failed query: <sql>": the driver's words say what is wrong.
  let root = e as Error;
  while (/^Failed query/.test(root.message) && root.cause instanceof Error) root = root.cause;
  return new VigilError('VIGIL_STORE_FAILED', `${doing} failed on ${where}: ${root.message}`, { cause: e });
}

async function openFor(target: StoreTarget, purpose: string, migrate = false): Promise<StoreHandle> {
  try {
    const store = await openStore({ databaseUrl: target.databaseUrl || undefined, dataDir: target.dataDir, purpose, migrate });
    // The pool connects lazily: say now, and clearly, when the server is not there.
    await store.db.execute(sql`select 1`).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return store;
  } catch (e) {
    throw storeError(target, purpose, e);
  }
}

// ---- external tools -------------------------------------------------------------------------

/** libpq takes the password from the environment: it then shows in no process list. */
function libpqArgs(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password && { PGPASSWORD: password }) } };
}

interface Tool {
  stdout: AsyncIterable<Buffer>;
  /** Resolves when the tool ended well; rejects with its own words otherwise. */
  done: Promise<void>;
  stdin: NodeJS.WritableStream | null;
}

function runTool(name: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv, input: boolean): Tool {
  const child = spawn(name, args, { env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    if (stderr.length < 8192) stderr += b.toString();
  });
  // The tool may stop reading early (pg_restore --list reads only the table of contents).
  child.stdin?.on('error', () => {});
  const done = new Promise<void>((ok, fail) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        new VigilError('VIGIL_STORE_FAILED', e.code === 'ENOENT' ? `${name} is not installed: PostgreSQL backups are made and restored with it (Debian/Ubuntu: apt-get install postgresql-client, of the server's major version or newer)` : `cannot start ${name}: ${e.message}`, { cause: e }),
      ),
    );
    child.once('close', (code) => (code === 0 ? ok() : fail(new VigilError('VIGIL_STORE_FAILED', `${name} failed (exit ${code}): ${stderr.trim() || 'no message'}`))));
  });
  return { stdout: child.stdout!, done, stdin: child.stdin };
}

/** The tool's output, then its exit: a stream that ends with an error when the tool failed. */
async function* untilDone(t: Tool): AsyncIterable<Buffer> {
  // Attached now: a tool that fails before its output is read must not be an unhandled rejection.
  const done = t.done.then(
    () => undefined,
    (e: unknown) => e,
  );
  for await (const c of t.stdout) yield c;
  const err = await done;
  if (err) throw err;
}

// ---- create ---------------------------------------------------------------------------------

export interface BackupSummary {
  file: string;
  store: 'pglite' | 'postgres';
  location: string;
  data: 'jsonl' | 'pg_dump';
  migration: string;
  tables: Record<string, number>;
  rows: number;
  /** Size of the backup file. */
  bytes: number;
  ms: number;
}

/** One JSON text per row, in the transaction's snapshot, through a cursor so a big table never sits in memory. */
async function* tableLines(tx: Exec, name: string, columns: string[], counter: { rows: number }): AsyncIterable<string> {
  const cols = sql.join(columns.map(ident), sql`, `);
  await tx.execute(sql`declare vigil_backup no scroll cursor for select row_to_json(r)::text as j from (select ${cols} from ${table(name)}) r`);
  for (;;) {
    const batch = await rows<{ j: string }>(tx, sql`fetch forward ${sql.raw(String(FETCH_ROWS))} from vigil_backup`);
    if (!batch.length) break;
    counter.rows += batch.length;
    yield `${batch.map((r) => r.j).join('\n')}\n`;
    if (batch.length < FETCH_ROWS) break;
  }
  await tx.execute(sql`close vigil_backup`);
}

function gzipped(source: AsyncIterable<string>): AsyncIterable<Buffer> {
  const gz = createGzip({ level: 6 });
  const src = Readable.from(source);
  // pipe() does not carry errors: a failed read must fail the member, not leave it waiting.
  src.on('error', (e) => gz.destroy(e));
  return src.pipe(gz);
}

/**
 * Writes a backup of the store to `file`: written under a temporary name and renamed when
 * complete, so a failed backup never leaves a file that looks like one. An existing file is kept
 * unless `force`.
 */
export async function createBackup(file: string, target: StoreTarget, opts: { force?: boolean } = {}): Promise<BackupSummary> {
  const started = performance.now();
  const dest = resolve(file);
  if (existsSync(dest) && !opts.force) throw new VigilError('VIGIL_INPUT_INVALID', 'the file already exists (--force replaces it)', { file: dest });
  const kind = target.databaseUrl ? 'postgres' : 'pglite';
  if (kind === 'pglite' && !existsSync(join(target.dataDir, 'pgdata'))) {
    throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no embedded store in ${target.dataDir} (set dataDir, VIGIL_DATA_DIR or VIGIL_DATABASE_URL to the store to back up)`, { file: target.dataDir });
  }
  const store = await openFor(target, 'vigil backup create');
  const partial = `${dest}.partial-${process.pid}`;
  let tar: TarWriter | undefined;
  try {
    tar = await TarWriter.create(partial);
    const members: WrittenMember[] = [];
    const manifest = await store.db.transaction(
      async (tx) => {
        const migration = await appliedMigration(tx);
        if (!migration) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `${store.location} is not a Vigil store (no migrations applied)`);
        const [{ v: server } = { v: '' }] = await rows<{ v: string }>(tx, sql`select version() as v`);
        const names = await publicTables(tx);
        const tables: BackupManifest['tables'] = {};
        const sequences: BackupManifest['sequences'] = {};
        if (kind === 'postgres') {
          const [{ s: snapshot }] = (await rows<{ s: string }>(tx, sql`select pg_export_snapshot() as s`)) as [{ s: string }];
          for (const [t, n] of Object.entries(await countRows(tx, names))) tables[t] = { rows: n };
          const { dbname, env } = libpqArgs(target.databaseUrl!);
          const dump = runTool('pg_dump', ['--format=custom', `--snapshot=${snapshot}`, '--no-owner', '--no-privileges', '--schema=public', '--schema=drizzle', `--dbname=${dbname}`], env, false);
          members.push(await tar!.add(PGDUMP, untilDone(dump)));
        } else {
          for (const t of names) {
            const columns = (await rows<{ c: string }>(tx, sql`select column_name as c from information_schema.columns where table_schema = 'public' and table_name = ${t} and is_generated = 'NEVER' order by ordinal_position`)).map((r) => r.c);
            const counter = { rows: 0 };
            const member = `tables/${t}.jsonl.gz`;
            members.push(await tar!.add(member, gzipped(tableLines(tx, t, columns, counter))));
            tables[t] = { rows: counter.rows, columns, member };
          }
          const seqs = await rows<{ name: string }>(tx, sql`select sequencename as name from pg_sequences where schemaname = 'public' order by 1`);
          for (const { name } of seqs) {
            const [s] = await rows<{ last_value: string | number; is_called: boolean }>(tx, sql`select last_value, is_called from ${table(name)}`);
            sequences[name] = { value: String(s!.last_value), isCalled: Boolean(s!.is_called) };
          }
        }
        return {
          format: 'vigil-backup',
          formatVersion: 1,
          vigil: vigilVersion(),
          createdAt: new Date().toISOString(),
          source: { kind, server, location: store.location },
          schema: { migration: migration.tag ?? `unknown (${migration.when})`, when: migration.when, hash: migration.hash, applied: migration.applied },
          data: kind === 'postgres' ? 'pg_dump' : 'jsonl',
          tables,
          sequences,
          members,
        } satisfies BackupManifest;
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    await tar.add(MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await tar.close();
    await rename(partial, dest);
    const tableRows = Object.fromEntries(Object.entries(manifest.tables).map(([t, e]) => [t, e.rows]));
    return {
      file: dest,
      store: kind,
      location: store.location,
      data: manifest.data,
      migration: manifest.schema.migration,
      tables: tableRows,
      rows: Object.values(tableRows).reduce((a, b) => a + b, 0),
      bytes: (await stat(dest)).size,
      ms: Math.round(performance.now() - started),
    };
  } catch (e) {
    await tar?.abort();
    await rm(partial, { force: true });
    throw storeError(target, 'vigil backup create', e);
  } finally {
    await store.close();
  }
}

// ---- reading a backup -----------------------------------------------------------------------

interface OpenedBackup {
  file: string;
  manifest: BackupManifest;
  members: Map<string, TarMember>;
}

/** The archive's index and its manifest, checked for shape. Errors name the file and the reason. */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const path = resolve(file);
  if (!existsSync(path)) throw new VigilError('VIGIL_INPUT_NOT_FOUND', 'no such file', { file: path });
  const index = await readTarIndex(path);
  const members = new Map(index.map((m) => [m.name, m]));
  const m = members.get(MANIFEST);
  if (!m) throw new VigilError('VIGIL_INPUT_PARSE', `not a Vigil backup: it has no ${MANIFEST}`, { file: path });
  let raw: unknown;
  try {
    raw = JSON.parse((await readMember(path, m, MAX_MANIFEST_BYTES)).toString('utf8'));
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError('VIGIL_INPUT_PARSE', `${MANIFEST} is not JSON: ${(e as Error).message}`, { file: path });
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const field = i.path.map(String).join('.');
    throw new VigilError('VIGIL_INPUT_PARSE', `${MANIFEST} is not a Vigil backup manifest of a version this Vigil reads (${field || '(root)'}: ${i.message})`, { file: path, ...(field && { field }) });
  }
  return { file: path, manifest: parsed.data, members };
}

/** SHA-256 of a member's bytes. */
async function memberHash(b: OpenedBackup, m: TarMember): Promise<string> {
  const h = createHash('sha256');
  for await (const c of memberStream(b.file, m)) h.update(c as Buffer);
  return h.digest('hex');
}

/** The lines of a gzipped JSON-lines member, with their numbers; a line longer than the limit is an error. */
async function* jsonLines(b: OpenedBackup, m: TarMember): AsyncIterable<{ line: number; text: string }> {
  const gunzip = createGunzip();
  const src = memberStream(b.file, m);
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  let rest: Buffer = Buffer.alloc(0);
  let line = 0;
  try {
    for await (const chunk of gunzip) {
      let buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
      let nl: number;
      while ((nl = buf.indexOf(10)) >= 0) {
        line++;
        yield { line, text: buf.toString('utf8', 0, nl) };
        buf = buf.subarray(nl + 1);
      }
      if (buf.length > MAX_ROW_BYTES) throw new VigilError('VIGIL_INPUT_TOO_LARGE', `${m.name} line ${line + 1} is longer than ${MAX_ROW_BYTES} bytes (a damaged backup?)`, { file: b.file });
      rest = Buffer.from(buf);
    }
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError('VIGIL_INPUT_PARSE', `${m.name} cannot be decompressed after line ${line}: ${(e as Error).message}`, { file: b.file });
  }
  if (rest.length) throw new VigilError('VIGIL_INPUT_PARSE', `${m.name} ends in the middle of line ${line + 1}`, { file: b.file });
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  manifest: Pick<BackupManifest, 'vigil' | 'createdAt' | 'source' | 'schema' | 'data'>;
  tables: Record<string, number>;
  rows: number;
  /** Whether this Vigil can restore it (it knows the backup's migration). */
  restorable: boolean;
  /** Every problem found, each naming the member and the reason; empty when the backup is sound. */
  problems: string[];
  /** Checks that could not run here (pg_restore missing), said rather than passed silently. */
  notes: string[];
}

/** Where the backup's migration sits in this Vigil's list, or why it cannot be restored here. */
function migrationIndex(manifest: BackupManifest): { index: number } | { reason: string } {
  const local = localMigrations();
  const i = local.findIndex((m) => m.when === manifest.schema.when);
  if (i >= 0 && local[i]!.hash === manifest.schema.hash) return { index: i };
  if (i >= 0) return { reason: `its migration ${manifest.schema.migration} differs from this Vigil's ${local[i]!.tag} (a development build?)` };
  const last = local.at(-1)!;
  if (manifest.schema.when > last.when) return { reason: `it was made by a newer Vigil (${manifest.vigil}, schema ${manifest.schema.migration}); this one knows migrations up to ${last.tag}: upgrade Vigil first` };
  return { reason: `its schema migration ${manifest.schema.migration} is not one this Vigil knows` };
}

/**
 * Checks a backup without touching any store: every member is there with the size and SHA-256 the
 * manifest gives; JSON-lines tables hold as many rows as counted, each one a JSON object; a pg_dump
 * is read by `pg_restore --list` and holds the data of every table with rows.
 */
export async function verifyBackup(file: string): Promise<VerifyResult> {
  const b = await openBackup(file);
  const { manifest } = b;
  const problems: string[] = [];
  const notes: string[] = [];
  const listed = new Set(manifest.members.map((m) => m.name));
  for (const want of manifest.members) {
    const m = b.members.get(want.name);
    if (!m) problems.push(`${want.name}: missing from the archive`);
    else if (m.size !== want.bytes) problems.push(`${want.name}: ${m.size} bytes, the manifest says ${want.bytes}`);
    else if ((await memberHash(b, m)) !== want.sha256) problems.push(`${want.name}: its SHA-256 differs from the manifest's (the file was changed or damaged)`);
  }
  if (manifest.data === 'jsonl') {
    for (const [t, e] of Object.entries(manifest.tables)) {
      const m = e.member && listed.has(e.member) ? b.members.get(e.member) : undefined;
      if (!m || !e.columns) {
        problems.push(`table ${t}: no data member listed`);
        continue;
      }
      let n = 0;
      try {
        for await (const { line, text } of jsonLines(b, m)) {
          n++;
          let v: unknown;
          try {
            v = JSON.parse(text);
          } catch {
            v = undefined;
          }
          if (!v || typeof v !== 'object' || Array.isArray(v)) {
            problems.push(`${m.name} line ${line}: not a JSON object`);
            break;
          }
        }
        if (n !== e.rows) problems.push(`${m.name}: ${n} rows, the manifest counts ${e.rows}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  } else {
    const m = b.members.get(PGDUMP);
    if (!m || !listed.has(PGDUMP)) problems.push(`${PGDUMP}: missing`);
    else {
      try {
        const t = runTool('pg_restore', ['--list'], process.env, true);
        memberStream(b.file, m).pipe(t.stdin!);
        let toc = '';
        for await (const c of untilDone(t)) toc += c.toString();
        const withData = new Set([...toc.matchAll(/TABLE DATA public (\S+)/g)].map((x) => x[1]!));
        for (const [name, e] of Object.entries(manifest.tables)) if (e.rows > 0 && !withData.has(name)) problems.push(`${PGDUMP}: holds no data for table ${name} (${e.rows} rows counted)`);
      } catch (err) {
        if (/not installed/.test((err as Error).message)) notes.push(`pg_restore is not installed: the dump's contents were not read (the checksum was checked)`);
        else problems.push(`${PGDUMP}: pg_restore cannot read it: ${(err as Error).message}`);
      }
    }
  }
  const where = migrationIndex(manifest);
  const tables = Object.fromEntries(Object.entries(manifest.tables).map(([t, e]) => [t, e.rows]));
  return {
    file: b.file,
    ok: problems.length === 0,
    manifest: { vigil: manifest.vigil, createdAt: manifest.createdAt, source: manifest.source, schema: manifest.schema, data: manifest.data },
    tables,
    rows: Object.values(tables).reduce((a, c) => a + c, 0),
    restorable: 'index' in where,
    problems,
    notes: 'reason' in where ? [...notes, `not restorable by this Vigil: ${where.reason}`] : notes,
  };
}

// ---- restore --------------------------------------------------------------------------------

export interface RestoreSummary {
  file: string;
  store: 'pglite' | 'postgres';
  location: string;
  /** The kind of store the backup was made from. */
  from: 'pglite' | 'postgres';
  /** The backup's schema migration, and the one the store is at now. */
  migration: { backup: string; now: string };
  tables: Record<string, number>;
  rows: number;
  /** True when --force replaced rows that were in the store. */
  replaced: boolean;
  ms: number;
}

/** Applies this Vigil's migrations up to and including `index`, through a copy of the folder with a shortened journal. */
export async function migrateTo(store: StoreHandle, index: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-migrations-'));
  try {
    await cp(MIGRATIONS, dir, { recursive: true });
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    journal.entries = journal.entries.slice(0, index + 1);
    await writeFile(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    const { migrate } = store.kind === 'postgres' ? await import('drizzle-orm/node-postgres/migrator') : await import('drizzle-orm/pglite/migrator');
    await migrate(store.db as never, { migrationsFolder: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows of a JSON-lines backup into the store, in one transaction, batch by batch through json_populate_recordset. */
async function loadJsonLines(store: StoreHandle, b: OpenedBackup): Promise<void> {
  await store.db.transaction(async (tx) => {
    for (const [t, e] of Object.entries(b.manifest.tables)) {
      const m = e.member && b.members.get(e.member);
      if (!m || !e.columns) throw new VigilError('VIGIL_INPUT_PARSE', `table ${t} has no data member`, { file: b.file });
      const cols = sql.join(e.columns.map(ident), sql`, `);
      let batch: string[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (!batch.length) return;
        // The row texts go in as they are: parsing them here would round big numbers.
        await tx.execute(sql`insert into ${table(t)} (${cols}) overriding system value select ${cols} from json_populate_recordset(null::${table(t)}, ${`[${batch.join(',')}]`}::json)`);
        batch = [];
        bytes = 0;
      };
      for await (const { text } of jsonLines(b, m)) {
        batch.push(text);
        bytes += text.length;
        if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
      }
      await flush();
    }
    for (const [name, s] of Object.entries(b.manifest.sequences)) {
      await tx.execute(sql`select setval(${`public."${name}"`}::regclass, ${s.value}::bigint, ${s.isCalled})`);
    }
  });
}

/** A PostgreSQL dump into PostgreSQL: pg_restore, schema and data, in one transaction. */
async function pgRestore(target: StoreTarget, b: OpenedBackup, store: StoreHandle): Promise<void> {
  // pg_restore creates the schemas' objects; `public` exists in every database, `drizzle` may not.
  await store.db.execute(sql`create schema if not exists drizzle`);
  const { dbname, env } = libpqArgs(target.databaseUrl!);
  const t = runTool('pg_restore', ['--schema=public', '--schema=drizzle', '--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`], env, true);
  memberStream(b.file, b.members.get(PGDUMP)!).pipe(t.stdin!);
  for await (const _ of untilDone(t)) {
    // pg_restore writes nothing on stdout when it restores into a database.
  }
}

/**
 * A PostgreSQL dump into the embedded store: pg_restore turns the dump's data into COPY blocks,
 * which PGlite loads from memory; the schema comes from this Vigil's own migrations.
 */
async function pgDumpIntoPglite(b: OpenedBackup, store: StoreHandle): Promise<void> {
  const client = (store.db as unknown as { $client: { transaction<T>(fn: (tx: { query(q: string, p?: unknown[], o?: { blob?: Blob }): Promise<unknown> }) => Promise<T>): Promise<T> } }).$client;
  const t = runTool('pg_restore', ['--data-only', '--schema=public', '--file=-'], process.env, true);
  memberStream(b.file, b.members.get(PGDUMP)!).pipe(t.stdin!);
  await client.transaction(async (tx) => {
    let copy: { statement: string; chunks: string[]; bytes: number } | undefined;
    let rest = '';
    // A big table goes in as several COPYs, so it never sits in memory whole.
    const flush = async (): Promise<void> => {
      if (copy?.chunks.length) await tx.query(copy.statement, [], { blob: new Blob(copy.chunks) });
      if (copy) copy = { ...copy, chunks: [], bytes: 0 };
    };
    const onLine = async (line: string): Promise<void> => {
      if (copy) {
        if (line === '\\.') {
          await flush();
          copy = undefined;
          return;
        }
        copy.chunks.push(`${line}\n`);
        copy.bytes += line.length + 1;
        if (copy.bytes >= BATCH_BYTES * 2) await flush();
        return;
      }
      const head = /^COPY (public\."?[A-Za-z0-9_]+"?) (\([^)]*\)) FROM stdin;$/.exec(line);
      if (head) copy = { statement: `copy ${head[1]} ${head[2]} from '/dev/blob'`, chunks: [], bytes: 0 };
      else if (/^SELECT pg_catalog\.setval\('public\.[A-Za-z0-9_"]+', \d+, (true|false)\);$/.test(line)) await tx.query(line);
      // Everything else is session settings and comments for psql.
    };
    for await (const c of untilDone(t)) {
      const text = rest + c.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const l of lines) await onLine(l);
    }
    if (rest) await onLine(rest);
    if (copy) throw new VigilError('VIGIL_INPUT_PARSE', `the dump's data ends inside ${copy.statement}`, { file: b.file });
  });
}

/**
 * Restores a backup into the configured store, which must hold no rows (or `force`: its Vigil
 * tables are dropped first). The backup is checked against its checksums before anything changes.
 * Afterwards the store holds the backup's rows at this Vigil's latest schema, and the row counts
 * are compared with the manifest's.
 */
export async function restoreBackup(file: string, target: StoreTarget, opts: { force?: boolean } = {}): Promise<RestoreSummary> {
  const started = performance.now();
  const b = await openBackup(file);
  const where = migrationIndex(b.manifest);
  if ('reason' in where) throw new VigilError('VIGIL_INPUT_INVALID', `cannot be restored: ${where.reason}`, { file: b.file });
  for (const want of b.manifest.members) {
    const m = b.members.get(want.name);
    if (!m || m.size !== want.bytes || (await memberHash(b, m)) !== want.sha256) {
      throw new VigilError('VIGIL_INPUT_PARSE', `${want.name} is ${m ? 'damaged (its size or SHA-256 differs from the manifest)' : 'missing'}; nothing was restored (vigil backup verify says more)`, { file: b.file });
    }
  }
  const kind = target.databaseUrl ? 'postgres' : 'pglite';
  if (b.manifest.data === 'pg_dump' && !b.members.has(PGDUMP)) throw new VigilError('VIGIL_INPUT_PARSE', `${PGDUMP} is missing`, { file: b.file });
  let replaced = false;
  const store = await openFor(target, 'vigil backup restore');
  try {
    const present = await publicTables(store.db);
    const ours = new Set([...vigilTables(), ...Object.keys(b.manifest.tables)]);
    const existing = present.filter((t) => ours.has(t));
    const held = Object.entries(await countRows(store.db, existing)).filter(([, n]) => n > 0);
    if (held.length && !opts.force) {
      const list = held.map(([t, n]) => `${t} ${n}`).join(', ');
      throw new VigilError('VIGIL_STORE_NOT_EMPTY', `${store.location} is not empty (${list}): a backup restores into an empty store. Point the store elsewhere, or pass --force to replace what it holds`);
    }
    replaced = held.length > 0;
    // Empty tables of any schema version go too: the backup brings its own schema version.
    for (const t of existing) await store.db.execute(sql`drop table if exists ${table(t)} cascade`);
    await store.db.execute(sql`drop schema if exists drizzle cascade`);
    if (b.manifest.data === 'pg_dump' && kind === 'postgres') await pgRestore(target, b, store);
    else {
      await migrateTo(store, where.index);
      if (b.manifest.data === 'jsonl') await loadJsonLines(store, b);
      else await pgDumpIntoPglite(b, store);
    }
    // Counted before later migrations run, which may change rows on purpose.
    const loaded = await countRows(store.db, Object.keys(b.manifest.tables));
    const wrong = Object.entries(b.manifest.tables).filter(([t, e]) => loaded[t] !== e.rows);
    if (wrong.length) {
      throw new VigilError('VIGIL_STORE_FAILED', `the restored store does not hold what the backup counts: ${wrong.map(([t, e]) => `${t} ${loaded[t]} of ${e.rows}`).join(', ')}`, { file: b.file });
    }
  } catch (e) {
    throw storeError(target, 'vigil backup restore', e);
  } finally {
    await store.close();
  }
  // Opened as Vigil opens it: the migrations newer than the backup's are applied now.
  const after = await openFor(target, 'vigil backup restore', true);
  try {
    const tables = await countRows(after.db, (await publicTables(after.db)).filter((t) => t in b.manifest.tables));
    await after.db.execute(sql`analyze`);
    const now = localMigrations().at(-1)!.tag;
    return {
      file: b.file,
      store: kind,
      location: after.location,
      from: b.manifest.source.kind,
      migration: { backup: b.manifest.schema.migration, now },
      tables,
      rows: Object.values(tables).reduce((a, c) => a + c, 0),
      replaced,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await after.close();
  }
}
