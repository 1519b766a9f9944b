import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { MemoryBus } from '../bus/memory.js';
import { testBusConfig } from '../bus/testing.js';
import { registerDlq } from './dlq.js';

async function server(app: Partial<App>) {
  const s = Fastify();
  s.setValidatorCompiler(validatorCompiler);
  s.setSerializerCompiler(serializerCompiler);
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
  });

  it('is empty when running embedded', async () => {
    const s = await server({ bus: undefined });
    expect((await s.inject({ method: 'GET', url: '/api/dlq' })).json()).toEqual({ mode: 'embedded', dead: [] });
  });
});
