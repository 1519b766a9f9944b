import { describe, expect, it } from 'vitest';
import { storeFailureKind } from './failure.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
/** What drizzle throws around the driver's error. */
const failedQuery = (cause: unknown) => Object.assign(new Error('Failed query: insert into "alerts" …\nparams: secret'), { cause });

describe('storeFailureKind', () => {
  it('says the store is away for connection, shutdown and resource errors, through drizzle\'s wrapper', () => {
    expect(storeFailureKind(failedQuery(pgError('ECONNREFUSED')))).toBe('unavailable');
    expect(storeFailureKind(failedQuery(pgError('57P01', 'terminating connection due to administrator command')))).toBe('unavailable');
    expect(storeFailureKind(pgError('08006'))).toBe('unavailable');
    expect(storeFailureKind(pgError('53300', 'sorry, too many clients already'))).toBe('unavailable');
    expect(storeFailureKind(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
  });

  it('says the record cannot be stored for data exceptions and program limits', () => {
    expect(storeFailureKind(failedQuery(pgError('22P05', 'unsupported Unicode escape sequence')))).toBe('unstorable');
    expect(storeFailureKind(failedQuery(pgError('22008', 'timestamp out of range')))).toBe('unstorable');
    expect(storeFailureKind(pgError('54000'))).toBe('unstorable');
  });

  it('knows nothing of other errors', () => {
    expect(storeFailureKind(pgError('23505', 'duplicate key'))).toBeUndefined();
    expect(storeFailureKind(new TypeError('x is undefined'))).toBeUndefined();
    expect(storeFailureKind(undefined)).toBeUndefined();
  });
});
