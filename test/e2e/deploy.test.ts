// The service files as shipped. Images cannot be built here, so the compose file's services are run
// the way their containers would run them: the Dockerfile's ENTRYPOINT, ENV and WORKDIR, and each
// service's command and environment from deploy/compose.yaml, as processes against the local
// PostgreSQL and NATS (only the addresses of those two, the port and the image's directories are
// mapped onto this machine). The systemd units are checked with systemd-analyze where it exists.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NatsBus } from '../../src/bus/nats.js';
import { requireNatsInCi, testNatsUrl } from '../../src/bus/testing.js';
import { ConfigSchema, PACKAGE_ROOT } from '../../src/config.js';
import { freePort } from '../helpers/net.js';
import { freshPostgresUrl, requirePostgresInCi } from '../helpers/store.js';

requirePostgresInCi();
requireNatsInCi();

const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const haveSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;
/** A skipped check says why in its name. */
const needsSystemd = (name: string): string => (haveSystemd ? name : `${name} (skipped: systemd-analyze is not installed)`);

describe('the systemd units', () => {
  const units = ['vigil.service', 'vigil-worker@.service'];

  it.skipIf(!haveSystemd)(needsSystemd('pass systemd-analyze verify, the worker template as an instance too'), () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-units-'));
    try {
      const files = units.map((u) => join(DEPLOY, 'systemd', u));
      copyFileSync(join(DEPLOY, 'systemd/vigil-worker@.service'), join(dir, 'vigil-worker@1.service'));
      for (const f of [...files, join(dir, 'vigil-worker@1.service')]) {
        const r = spawnSync('systemd-analyze', ['verify', f], { encoding: 'utf8' });
        // verify warns about unknown keys and bad values without failing: any word about our file is a failure.
        const ours = r.stderr.split('\n').filter((l) => l.includes(f.split('/').pop()!));
        expect(ours, f).toEqual([]);
        expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveSystemd)(needsSystemd('are hardened: systemd-analyze security rates their exposure below 2 of 10'), () => {
    for (const u of units) {
      const r = spawnSync('systemd-analyze', ['security', '--offline=yes', join(DEPLOY, 'systemd', u)], { encoding: 'utf8' });
      const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout + r.stderr);
      expect(m, `${u}: ${r.stdout}${r.stderr}`).not.toBeNull();
      expect(Number(m![1]), u).toBeLessThan(2);
    }
  });

  it('run Vigil as installed in the image: the same path, a state directory, a dynamic user, no capabilities', () => {
    for (const u of units) {
      const text = readFileSync(join(DEPLOY, 'systemd', u), 'utf8');
      expect(text).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/vigil\/bin\/vigil\.js (serve|worker) --config \/etc\/vigil\/vigil\.yaml/m);
      for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'StateDirectory=vigil', 'CapabilityBoundingSet=', 'NoNewPrivileges=yes']) expect(text, u).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    expect(readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')).toContain('COPY --from=build /build/bin ./bin');
  });
});

/** The image as the Dockerfile makes it: entrypoint, environment, working directory, user. */
function image(): { entrypoint: string[]; env: Record<string, string>; workdir: string; user: string; healthcheck: string[] } {
  const text = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const final = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of final.matchAll(/^ENV (.+)$/gm)) for (const kv of m[1]!.matchAll(/(\w+)=(\S+)/g)) env[kv[1]!] = kv[2]!;
  const workdirs = [...final.matchAll(/^WORKDIR (\S+)$/gm)].map((m) => m[1]!);
  return {
    entrypoint: JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(final)![1]!) as string[],
    env,
    workdir: workdirs.at(-1)!,
    user: /^USER (\S+)$/m.exec(final)![1]!,
    healthcheck: JSON.parse(/^HEALTHCHECK .*CMD (\[.*\])$/m.exec(final)![1]!) as string[],
  };
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '-') return arg ?? '';
    throw new Error(`compose needs ${name}: ${arg ?? ''}`);
  });
}

interface Service {
  command: string[];
  environment: Record<string, string>;
  deploy?: { replicas?: string | number };
}

interface Proc {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

const ready = Boolean(process.env.VIGIL_TEST_DATABASE_URL && testNatsUrl);

describe.runIf(ready)('the compose file, run as its containers would run', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const img = image();
  const procs: Proc[] = [];
  let dir: string;
  let db: { url: string; drop(): Promise<void> };
  let prefix: string;
  let port: number;

  /** What the container would run: the entrypoint (without tini, which only passes signals on) and the service's command, on this machine's paths. */
  function start(name: string, env: Record<string, string>): Proc {
    const argv = [...img.entrypoint.slice(img.entrypoint.indexOf('--') + 1), ...compose.services[name]!.command];
    expect(argv.slice(0, 2)).toEqual(['node', '/opt/vigil/bin/vigil.js']);
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...argv.slice(2)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Proc = { child, out: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
    child.stdout!.on('data', (b: Buffer) => (p.out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (p.out += b.toString()));
    procs.push(p);
    return p;
  }

  async function waitFor(p: Proc, re: RegExp, timeoutMs = 180_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = p.out.match(re);
      if (m) return m;
      if (p.child.exitCode !== null || Date.now() > until) throw new Error(`no ${re} (exit ${p.child.exitCode}):\n${p.out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The service's environment as the container sees it, with PostgreSQL, NATS, the port and the image's directories mapped onto this machine. */
  function environment(name: string): Record<string, string> {
    const vars = { VIGIL_DB_PASSWORD: 'compose-test' };
    const declared = Object.fromEntries(Object.entries(compose.services[name]!.environment).map(([k, v]) => [k, interpolate(String(v), vars)]));
    expect(declared.VIGIL_DATABASE_URL).toBe('postgres://vigil:compose-test@postgres:5432/vigil');
    expect(declared.VIGIL_NATS_URL).toBe('nats://nats:4222');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, ...img.env, ...declared };
    for (const [k, v] of Object.entries(env)) if (v.startsWith('/var/lib/vigil')) env[k] = v.replace('/var/lib/vigil', dir);
    return { ...env, VIGIL_DATABASE_URL: db.url, VIGIL_NATS_URL: testNatsUrl!, VIGIL_BUS_PREFIX: prefix, VIGIL_HOST: '127.0.0.1', VIGIL_PORT: String(port) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
    mkdirSync(join(dir, 'out'));
    db = await freshPostgresUrl();
    prefix = `compose${process.pid}${Date.now().toString(36)}`.toLowerCase();
    port = await freePort();
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    const bus = await NatsBus.open({ ...ConfigSchema.parse({}).bus, url: testNatsUrl!, prefix });
    await bus.destroy();
    await bus.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as a non-root user from a slim image', () => {
    expect(img.user).toBe('vigil');
    expect(readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS build$[\s\S]*^RUN npm ci --no-audit --no-fund/m);
  });

  it('serve and the workers process webhook alerts into cases over NATS and PostgreSQL, answer the health check and stop cleanly', async () => {
    const serve = start('vigil', environment('vigil'));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(serve, new RegExp(`Vigil API on ${base.replaceAll('.', '\\.')}`));
    const keyFile = (await waitFor(serve, /wrote it to (\S+) \(mode 0600\)/))[1]!;
    // The image's data directory, mapped here: where `docker compose exec vigil cat …` finds it.
    expect(keyFile).toBe(join(dir, 'data/bootstrap-admin.key'));
    const key = readFileSync(keyFile, 'utf8').trim();
    const replicas = Number(interpolate(String(compose.services.worker!.deploy?.replicas ?? 1), {}));
    expect(replicas).toBe(2);
    const workers = Array.from({ length: replicas }, () => start('worker', environment('worker')));
    for (const w of workers) await waitFor(w, /vigil worker \S+: stages ingest, case, respond, concurrency 2, .* \(prefix compose/);

    // The image's health check, as Docker runs it inside the serve container.
    const [hcCmd, ...hcArgs] = img.healthcheck;
    expect(hcCmd).toBe('node');
    expect(spawnSync(process.execPath, hcArgs, { env: environment('vigil'), timeout: 30_000 }).status).toBe(0);

    const alerts = readFileSync(join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json'), 'utf8');
    const lines = alerts.trim().split('\n').length;
    const sent = await fetch(`${base}/api/ingest/wazuh`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body: alerts });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ received: lines, rejected: 0 });

    // Workers take it from NATS into PostgreSQL; the API reads the cases back.
    let total = 0;
    const until = Date.now() + 180_000;
    while (Date.now() < until) {
      const r = (await (await fetch(`${base}/api/stats`, { headers: { authorization: `Bearer ${key}` } })).json()) as { totals?: { alerts?: number } };
      total = r.totals?.alerts ?? 0;
      if (total >= lines) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(total).toBe(lines);
    const cases = (await (await fetch(`${base}/api/cases`, { headers: { authorization: `Bearer ${key}` } })).json()) as { cases: unknown[] };
    expect(cases.cases.length).toBeGreaterThan(0);

    for (const p of [...workers, serve]) p.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual(workers.map(() => 0));
    expect(await serve.exited).toBe(0);
    const processed = workers.map((w) => Number(/ingest\s+messages (\d+)/.exec(w.out)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
    expect(processed).toBeGreaterThan(0);
  }, 420_000);
});
