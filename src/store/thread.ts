// The embedded store on a thread of its own, behind the part of PGlite's interface Vigil uses.
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { VigilError } from '../core/errors.js';

type Parsers = NonNullable<QueryOptions['parsers']>;

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string } & Record<string, unknown>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

function fromThread(e: NonNullable<Reply['error']>): Error {
  const { name, message, ...fields } = e;
  return Object.assign(new Error(message), fields, { name });
}

/**
 * PGlite runs every statement synchronously on the thread that calls it: on the server's own thread,
 * a batch write of 9 ms is 9 ms in which no webhook request is read or answered. Here PGlite lives on
 * a worker thread (thread-worker.js) and this object stands in for it, so statements run beside the
 * HTTP work, on the second core. It offers what drizzle's PGlite driver, the migrator and the store's
 * own code call: query, exec, transaction and close. Values cross as structured clones; parsers are
 * functions, so the types they name come back as text and are parsed here.
 */
export class ThreadedPGlite {
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(dataDir?: string) {
    this.worker = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: { dataDir }, execArgv: [] });
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.waitReady = new Promise((res, rej) => ((ready = res), (failed = rej)));
    this.worker.on('message', (m: Reply | { ready: boolean; error?: Reply['error'] }) => {
      if ('ready' in m) {
        if (!this.pending.size) this.worker.unref();
        return m.ready ? ready() : failed(fromThread(m.error!));
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) this.worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(fromThread(m.error!));
    });
    const stop = (why: string, cause?: Error): void => {
      if (this.failure) return;
      this.failure = new VigilError('VIGIL_STORE_FAILED', `the embedded store's thread stopped: ${why}`, cause && { cause });
      failed(this.failure);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (e) => stop(e.message, e));
    this.worker.on('exit', (code) => stop(this.closing ? 'closed' : `exit code ${code}`));
  }

  private call<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // Referenced only while it owes an answer: an idle store must not keep the process alive.
      if (!this.pending.size) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** @internal the message fields for one statement, for this object and its transactions. */
  async run<T>(op: 'query' | 'exec', tx: number | undefined, text: string, params: unknown[] | undefined, opts: QueryOptions | undefined): Promise<T> {
    if (opts?.serializers || opts?.blob || opts?.onNotice) throw new Error('the threaded embedded store does not support serializers, blobs or notice callbacks');
    const parsers = opts?.parsers;
    const out = await this.call<T>({
      op,
      text,
      ...(tx !== undefined && { tx }),
      ...(params && { params }),
      ...(opts?.rowMode && { rowMode: opts.rowMode }),
      ...(opts?.paramTypes && { paramTypes: opts.paramTypes }),
      ...(parsers && { rawTypes: Object.keys(parsers).map(Number) }),
    });
    if (parsers) for (const r of op === 'exec' ? (out as Results[]) : [out as Results]) parse(r, parsers);
    return out;
  }

  query<T>(text: string, params?: unknown[], opts?: QueryOptions): Promise<Results<T>> {
    return this.run('query', undefined, text, params, opts);
  }

  exec(text: string, opts?: QueryOptions): Promise<Results[]> {
    return this.run('exec', undefined, text, undefined, opts);
  }

  /** Like PGlite's: other statements wait until `fn` settles; it commits if `fn` returns, rolls back if it throws. */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = await this.call<number>({ op: 'begin' });
    const tx = new ThreadTransaction(this, id);
    let value: T;
    try {
      value = await fn(tx);
    } catch (e) {
      if (!tx.closed) await tx.end(false).catch(() => {});
      throw e;
    }
    if (!tx.closed) await tx.end(true);
    return value;
  }

  /** @internal */
  endTransaction(id: number, commit: boolean): Promise<void> {
    return this.call({ op: 'end', tx: id, commit });
  }

  /** Closes the database and waits for the thread to end. */
  close(): Promise<void> {
    this.closing ??= this.failure
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          this.worker.once('exit', () => resolve());
          // Referenced again until the thread has ended, or the process could leave before it.
          this.call({ op: 'close' }).then(() => this.worker.ref(), reject);
        });
    return this.closing;
  }
}

class ThreadTransaction implements Transaction {
  closed = false;

  constructor(
    private readonly db: ThreadedPGlite,
    private readonly id: number,
  ) {}

  query<T>(text: string, params?: unknown[], opts?: QueryOptions): Promise<Results<T>> {
    return this.db.run('query', this.live(), text, params, opts);
  }

  exec(text: string, opts?: QueryOptions): Promise<Results[]> {
    return this.db.run('exec', this.live(), text, undefined, opts);
  }

  sql<T>(strings: TemplateStringsArray, ...params: unknown[]): Promise<Results<T>> {
    return this.query(strings.reduce((s, part, i) => `${s}$${i}${part}`), params);
  }

  rollback(): Promise<void> {
    return this.end(false);
  }

  listen(): never {
    throw new Error('the threaded embedded store does not support LISTEN');
  }

  end(commit: boolean): Promise<void> {
    this.closed = true;
    return this.db.endTransaction(this.id, commit);
  }

  private live(): number {
    if (this.closed) throw new Error('the transaction is already closed');
    return this.id;
  }
}

/** Applies the caller's parsers to the columns of the types they name, which arrived as text. */
function parse(r: Results, parsers: Parsers): void {
  const cols = r.fields.flatMap((f, i) => {
    const fn = parsers[f.dataTypeID];
    return fn ? [{ i, name: f.name, fn }] : [];
  });
  if (!cols.length) return;
  for (const row of r.rows as Array<Record<string | number, unknown>>) {
    for (const c of cols) {
      const key = Array.isArray(row) ? c.i : c.name;
      const v = row[key];
      if (v !== null && v !== undefined) row[key] = c.fn(v as string);
    }
  }
}
