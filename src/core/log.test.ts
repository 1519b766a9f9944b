import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, serializeError } from './log.js';

describe('the error serializer', () => {
  it('logs a failed query by its statement, never its parameters, and keeps the cause\'s code', () => {
    const sql = `insert into "alerts" ("id", "raw") values ${Array.from({ length: 5000 }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`;
    const e = Object.assign(new Error(`Failed query: ${sql}\nparams: al_1,{"full_log":"password=hunter2"}`), { query: sql, params: ['al_1', 'password=hunter2'], cause: Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05', detail: '\\u0000 cannot be converted to text.' }) });
    const out = serializeError(e) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain('hunter2');
    expect(text.length).toBeLessThan(3000);
    expect(out.message).toMatch(/^Failed query: insert into "alerts" \("id", "raw"\) values \(\$1, \$2\).*… \(\d+ characters\)$/);
    expect(out.cause).toMatchObject({ type: 'Error', message: 'unsupported Unicode escape sequence', code: '22P05' });
    expect(String(out.stack)).toMatch(/^Error: Failed query: .*\n {4}at /);
  });

  it('is what createLogger uses for err', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
    log.error({ err: Object.assign(new Error('Failed query: select 1\nparams: secret-value'), { params: ['secret-value'] }) }, 'failed');
    expect(lines.join('')).toContain('params: (not logged)');
    expect(lines.join('')).not.toContain('secret-value');
  });
});
