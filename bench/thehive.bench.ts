// TheHive API benchmark: alert creations per second through `POST /thehive/api/v1/alert` (Fastify
// `inject`, in process, so no socket cost) on the embedded store, next to the same requests' floor
// (an authenticated `GET /thehive/api/v1/status`: routing, auth and JSON, no store) and Vigil's own
// one-alert webhook (`POST /api/ingest/wazuh`, the whole pipeline per request).
import { startTestHive } from '../src/api/thehive/testing.js';

const N = Number(process.env.BENCH_THEHIVE_ALERTS ?? 2000);
const CONCURRENCY = 8;

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function alert(i: number, observables: number): Record<string, unknown> {
  return {
    type: 'wazuh',
    source: 'wazuh-manager',
    sourceRef: `bench-${i}`,
    title: `sshd: brute force trying to get access to the system (${i})`,
    description: `Rule 5712 on web-${i % 40}: repeated invalid users from 185.220.${(i >> 8) & 255}.${i & 255}`,
    severity: 1 + (i % 4),
    tags: ['T1110', 'sshd'],
    observables: Array.from({ length: observables }, (_, k) =>
      k === 0 ? { dataType: 'ip', data: `185.220.${(i >> 8) & 255}.${i & 255}` } : k === 1 ? { dataType: 'hostname', data: `web-${i % 40}` } : { dataType: 'other', data: `detail ${i}.${k}` },
    ),
  };
}

async function timed(n: number, send: (i: number) => Promise<number>): Promise<{ rate: number; bad: number }> {
  let next = 0;
  let bad = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const status = await send(i);
        if (status >= 300) bad++;
      }
    }),
  );
  return { rate: n / ((performance.now() - t) / 1000), bad };
}

async function main(): Promise<void> {
  const h = await startTestHive();
  try {
    const key = await h.key('ingest', 'default', 'bench');
    const post = (url: string, body: unknown) => h.server.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const admin = await h.key('admin');
    // Warm up JIT, statement caches and the key cache.
    for (let i = 0; i < 50; i++) await post('/thehive/api/v1/alert', alert(1_000_000 + i, 3));

    const floor = await timed(N, async () => (await h.server.inject({ method: 'GET', url: '/thehive/api/v1/status', headers: { authorization: `Bearer ${admin}` } })).statusCode);
    const bare = await timed(N, async (i) => (await post('/thehive/api/v1/alert', alert(i, 0))).statusCode);
    const three = await timed(N, async (i) => (await post('/thehive/api/v1/alert', alert(N + i, 3))).statusCode);
    const dups = await timed(N, async (i) => (await post('/thehive/api/v1/alert', alert(N + i, 3))).statusCode);
    const webhookN = Math.min(N, 500);
    const webhook = await timed(webhookN, async (i) =>
      (
        await post('/api/ingest/wazuh', {
          timestamp: new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString(),
          rule: { level: 10, description: 'sshd: brute force', id: '5712', groups: ['sshd'] },
          agent: { id: '014', name: `web-${i % 40}`, ip: `10.0.${i % 40}.7` },
          manager: { name: 'wazuh-manager' },
          id: `bench.${i}`,
          data: { srcip: `185.221.${(i >> 8) & 255}.${i & 255}` },
        })
      ).statusCode,
    );
    const q = performance.now();
    const lookups = 200;
    for (let i = 0; i < lookups; i++) {
      const r = await h.server.inject({ method: 'POST', url: '/thehive/api/v1/query', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ query: [{ _name: 'listAlert' }, { _name: 'filter', _eq: { _field: 'sourceRef', _value: `bench-${N + i}` } }] }) });
      if (r.statusCode !== 200 || r.json().length !== 1) throw new Error(`query failed: ${r.body}`);
    }
    const queryMs = (performance.now() - q) / lookups;

    console.log(`TheHive API on PGlite (in memory), ${fmt(N)} requests per row, ${CONCURRENCY} in flight, Fastify inject`);
    console.log(`GET status (routing + auth + JSON, the floor):    ${fmt(floor.rate)} req/s`);
    console.log(`POST alert, no observables:                       ${fmt(bare.rate)} alerts/s  (${(bare.rate / floor.rate).toFixed(2)}× the floor)${bare.bad ? `, ${bare.bad} failed` : ''}`);
    console.log(`POST alert, 3 observables:                        ${fmt(three.rate)} alerts/s  (${(three.rate / floor.rate).toFixed(2)}× the floor)${three.bad ? `, ${three.bad} failed` : ''}`);
    console.log(`POST alert, duplicate (refused, 400 CreateError): ${fmt(dups.rate)} req/s   (${dups.bad} of ${fmt(N)} refused)`);
    console.log(`POST /api/ingest/wazuh, one alert (the pipeline): ${fmt(webhook.rate)} alerts/s  → TheHive API with 3 observables is ${(three.rate / webhook.rate).toFixed(1)}× the webhook`);
    console.log(`query listAlert by sourceRef (${fmt(3 * N)} alerts stored): ${queryMs.toFixed(1)} ms per query`);
  } finally {
    await h.close();
  }
}

await main();
