import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { MemoryBus } from '../bus/memory.js';
import { testBusConfig } from '../bus/testing.js';
import { registerDlq } from './dlq.js';

async function server(app: Partial<App>, org = 'default') {
  const s = Fastify();
  s.setValidatorCompiler(validatorCompiler);
  s.setSerializerCompiler(serializerCompiler);
  // What the auth hook sets for a valid key (src/api/auth.ts).
  s.addHook('onRequest', async (req) => {
    req.apiKey = { id: 'key_1', name: 'ops', role: 'read-only', org, prefix: 'vgl_xxxxxx', createdAt: '', lastUsedAt: null, revokedAt: null };
  });
  registerDlq(s, app as App);
  await s.ready();
  return s;
}

describe('GET /api/dlq', () => {
  it('lists the dead letters with their reason in the distributed mode', async () => {
    const bus = new MemoryBus(testBusConfig());
    await bus.publish('respond', 0, 'r-1', new TextEncoder().encode('{}'));
    const d = await bus.subscribe('respond', 0).take(1_000);
    await bus.deadLetter(d!, 'TypeError: boom');
    const s = await server({ bus });
    const r = await s.inject({ method: 'GET', url: '/api/dlq?limit=5' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ mode: 'distributed', dead: [{ id: 'r-1', stage: 'respond', partition: 0, error: 'TypeError: boom', deliveries: 1 }] });
    expect((await s.inject({ method: 'GET', url: '/api/dlq?limit=0' })).statusCode).toBe(400);
    // The dead letters are the pipeline's messages: another organisation's key sees none.
    const other = await server({ bus }, 'other');
    expect((await other.inject({ method: 'GET', url: '/api/dlq?limit=5' })).json()).toEqual({ mode: 'distributed', dead: [] });
  });

  it('is empty when running embedded', async () => {
    const s = await server({ bus: undefined });
    expect((await s.inject({ method: 'GET', url: '/api/dlq' })).json()).toEqual({ mode: 'embedded', dead: [] });
  });
});
