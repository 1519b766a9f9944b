import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../bus/nats.js';
import { requireNatsInCi, testBusConfig, testNatsUrl } from '../../bus/testing.js';
import { PACKAGE_ROOT } from '../../config.js';

requireNatsInCi();
const dir = mkdtempSync(join(tmpdir(), 'vigil-dlq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_NATS_URL: '', ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vigil dlq', () => {
  it('says the dead letters belong to the distributed mode when no bus is configured', () => {
    const r = vigil(['dlq', 'list']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/set bus\.url or VIGIL_NATS_URL/);
  });

  it.runIf(testNatsUrl)('lists dead letters and retries them onto their stage, exit 2 for unknown ones', async () => {
    const cfg = testBusConfig({ url: testNatsUrl });
    writeFileSync(join(dir, 'vigil.yaml'), `bus:\n  prefix: ${cfg.prefix}\n  partitions: ${cfg.partitions}\n`);
    const bus = await NatsBus.open(cfg);
    try {
      await bus.ensure();
      await bus.publish('case', 1, 'poison-1', new TextEncoder().encode('{"v":1}'));
      const sub = bus.subscribe('case', 1);
      const d = await sub.take(2_000);
      await bus.deadLetter(d!, 'VIGIL_INPUT_INVALID: case message is malformed at alerts');
      await sub.stop();

      const listed = vigil(['dlq', 'list', '--json'], { VIGIL_NATS_URL: testNatsUrl! });
      expect(listed.status).toBe(0);
      const { dead } = JSON.parse(listed.stdout) as { dead: Array<{ seq: number; id: string; stage: string; partition: number; error: string }> };
      expect(dead).toEqual([expect.objectContaining({ id: 'poison-1', stage: 'case', partition: 1, error: 'VIGIL_INPUT_INVALID: case message is malformed at alerts' })]);

      const retried = vigil(['dlq', 'retry', String(dead[0]!.seq), '999999'], { VIGIL_NATS_URL: testNatsUrl! });
      expect(retried.status).toBe(2);
      expect(retried.stdout).toMatch(new RegExp(`retried 1 dead letter \\(${dead[0]!.seq}\\)`));
      expect(retried.stderr).toMatch(/not dead letters .*: 999999/);
      expect(await bus.listDead()).toEqual([]);
      expect((await bus.backlog('case')).messages).toBe(1);
    } finally {
      await bus.destroy();
      await bus.close();
    }
  });
});
