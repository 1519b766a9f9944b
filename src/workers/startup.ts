import pg from 'pg';
import { VigilError } from '../core/errors.js';
import { hash32 } from './messages.js';

/**
 * Runs `fn` (an `App.build`: migrations, feed imports) while holding a PostgreSQL advisory lock,
 * so workers and servers starting together do not migrate or import the same feed at once.
 */
export async function withStartupLock<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'vigil-startup' });
  try {
    await client.connect();
  } catch (e) {
    throw new VigilError('VIGIL_STORE_FAILED', `cannot connect to PostgreSQL: ${(e as Error).message}`, { cause: e });
  }
  try {
    await client.query('select pg_advisory_lock($1::int, 0)', [hash32('vigil-startup') | 0]);
    return await fn();
  } finally {
    // Ending the session releases the lock.
    await client.end().catch(() => {});
  }
}
