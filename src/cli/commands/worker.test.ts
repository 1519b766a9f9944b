import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';
import { parseStages } from './worker.js';

describe('vigil worker', () => {
  it('takes the issue\'s stage names as aliases of the three bus stages', () => {
    expect(parseStages('detect,enrich')).toEqual(['ingest']);
    expect(parseStages('ingest, assess ,notify')).toEqual(['ingest', 'case', 'respond']);
    expect(() => parseStages('ingest,teleport')).toThrow(InvalidArgumentError);
    expect(() => parseStages('ingest,teleport')).toThrow(/unknown stage "teleport"/);
  });

  it('refuses to start without NATS and PostgreSQL, naming the setting', () => {
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'worker'], { encoding: 'utf8', env: { ...process.env, VIGIL_NATS_URL: 'nats://127.0.0.1:4222', VIGIL_DATABASE_URL: '' }, timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs PostgreSQL .*VIGIL_DATABASE_URL/);
  });
});
