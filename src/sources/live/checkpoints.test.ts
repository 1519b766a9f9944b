import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../../test/helpers/store.js';
import type { StoreHandle } from '../../store/db.js';
import { commitCheckpoint, deleteCheckpoint, hasPosition, listCheckpoints, loadCheckpoint, recordSourceError } from './checkpoints.js';

requirePostgresInCi();

describe.each(backends)('source checkpoints ($name)', (backend) => {
  let store: StoreHandle;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const opened = await backend.open();
    store = opened.store;
    drop = opened.drop;
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('adds up deliveries, keeps the position when it did not move, and keeps the last error apart', async () => {
    const db = store.db;
    expect(await loadCheckpoint(db, 'alerts')).toBeUndefined();
    await commitCheckpoint(db, { source: 'alerts', kind: 'file-follow', position: { inode: 7, offset: 120, line: 3 }, delivered: 3, lastEventAt: '2025-03-14T09:00:00.000Z', at: '2025-03-14T09:00:01.000Z' });
    await recordSourceError(db, { source: 'alerts', kind: 'file-follow', message: 'EACCES: permission denied', at: '2025-03-14T09:00:02.000Z' });
    await commitCheckpoint(db, { source: 'alerts', kind: 'file-follow', position: undefined, delivered: 0, at: '2025-03-14T09:00:03.000Z' });
    await commitCheckpoint(db, { source: 'alerts', kind: 'file-follow', position: { inode: 7, offset: 200, line: 5 }, delivered: 2, at: '2025-03-14T09:00:04.000Z' });
    expect(await loadCheckpoint(db, 'alerts')).toEqual({
      source: 'alerts',
      kind: 'file-follow',
      position: { inode: 7, offset: 200, line: 5 },
      delivered: 5,
      lastEventAt: '2025-03-14T09:00:00.000Z',
      lastError: 'EACCES: permission denied',
      lastErrorAt: '2025-03-14T09:00:02.000Z',
      updatedAt: '2025-03-14T09:00:04.000Z',
    });
  });

  it('records an error for a source that never read anything, without a position', async () => {
    await recordSourceError(store.db, { source: 'idx', kind: 'opensearch', message: 'x'.repeat(3000), at: '2025-03-14T09:00:00.000Z' });
    const row = (await loadCheckpoint(store.db, 'idx'))!;
    expect(hasPosition(row.position)).toBe(false);
    expect(row.lastError).toHaveLength(2001);
    expect((await listCheckpoints(store.db)).map((r) => r.source)).toEqual(['alerts', 'idx']);
    expect(await deleteCheckpoint(store.db, 'idx')).toBe(true);
    expect(await deleteCheckpoint(store.db, 'idx')).toBe(false);
  });
});
