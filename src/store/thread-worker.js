// The embedded store's own thread: one PGlite instance, driven by messages from ThreadedPGlite
// (thread.ts). Plain JavaScript because a worker thread does not inherit the TypeScript loader the
// CLI registers, and this file needs nothing but PGlite.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const db = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite();
/** Open transactions by id: PGlite's transaction object, and how to end it. */
const txs = new Map();
let nextTx = 1;
const identity = (v) => v;
/** Types the caller parses itself arrive as text (see ThreadedPGlite.parse). */
const parserSets = new Map();

function options(msg) {
  if (!msg.rawTypes?.length && !msg.rowMode && !msg.paramTypes) return undefined;
  const o = {};
  if (msg.rowMode) o.rowMode = msg.rowMode;
  if (msg.paramTypes) o.paramTypes = msg.paramTypes;
  if (msg.rawTypes?.length) {
    const key = msg.rawTypes.join(',');
    let parsers = parserSets.get(key);
    if (!parsers) parserSets.set(key, (parsers = Object.fromEntries(msg.rawTypes.map((t) => [t, identity]))));
    o.parsers = parsers;
  }
  return o;
}

/** A database error crosses the thread as its message and its primitive fields (code, detail, …). */
function cloneError(e) {
  const out = { name: e?.name ?? 'Error', message: e?.message ?? String(e) };
  if (e && typeof e === 'object') {
    for (const [k, v] of Object.entries(e)) {
      if (k !== 'params' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[k] = v;
    }
  }
  return out;
}

function reply(id, work) {
  work.then(
    (value) => parentPort.postMessage({ id, ok: true, value }),
    (e) => parentPort.postMessage({ id, ok: false, error: cloneError(e) }),
  );
}

function target(msg) {
  if (msg.tx === undefined) return db;
  const t = txs.get(msg.tx);
  if (!t) throw new Error(`transaction ${msg.tx} is not open`);
  return t.tx;
}

const ROLLBACK = Symbol('rollback');
/** Each open transaction's outcome, settled once end() lets its callback return or throw. */
const outcomes = new Map();

/** Answers `id` with the new transaction's id once BEGIN ran, or with the error if it could not. */
function begin(id) {
  const txId = nextTx++;
  let began = false;
  const outcome = db.transaction(
    (tx) =>
      new Promise((commit, reject) => {
        began = true;
        txs.set(txId, { tx, commit, rollback: () => reject(ROLLBACK) });
        parentPort.postMessage({ id, ok: true, value: txId });
      }),
  );
  outcomes.set(txId, outcome);
  outcome.catch((e) => {
    if (began) return; // end() reports it
    outcomes.delete(txId);
    parentPort.postMessage({ id, ok: false, error: cloneError(e) });
  });
}

async function end(msg) {
  const t = txs.get(msg.tx);
  const outcome = outcomes.get(msg.tx);
  if (!t || !outcome) throw new Error(`transaction ${msg.tx} is not open`);
  txs.delete(msg.tx);
  outcomes.delete(msg.tx);
  if (msg.commit) t.commit();
  else t.rollback();
  try {
    await outcome;
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
}

parentPort.on('message', (msg) => {
  switch (msg.op) {
    case 'query':
      return reply(msg.id, Promise.resolve().then(() => target(msg).query(msg.text, msg.params, options(msg))));
    case 'exec':
      return reply(msg.id, Promise.resolve().then(() => target(msg).exec(msg.text, options(msg))));
    case 'begin':
      return begin(msg.id);
    case 'end':
      return reply(msg.id, end(msg));
    case 'close':
      // The answer goes out before the port closes; with nothing left to do, the thread then ends.
      return db.close().then(
        () => {
          parentPort.postMessage({ id: msg.id, ok: true });
          parentPort.close();
        },
        (e) => parentPort.postMessage({ id: msg.id, ok: false, error: cloneError(e) }),
      );
    default:
      parentPort.postMessage({ id: msg.id, ok: false, error: { name: 'Error', message: `unknown operation ${msg.op}` } });
  }
});

db.waitReady.then(
  () => parentPort.postMessage({ ready: true }),
  (e) => {
    parentPort.postMessage({ ready: false, error: cloneError(e) });
    parentPort.close();
  },
);
