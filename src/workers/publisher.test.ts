import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { testBusConfig } from '../bus/testing.js';
import { createLogger } from '../core/log.js';
import { decode, IngestMessage, partitionOf, recordKey } from './messages.js';
import { Publisher } from './publisher.js';
import { wazuhAlerts } from './testing.js';

const log = createLogger({ level: 'silent' });

async function drain(bus: MemoryBus, partitions: number): Promise<Array<{ p: number; lines: number[] }>> {
  const out: Array<{ p: number; lines: number[] }> = [];
  for (let p = 0; p < partitions; p++) {
    const sub = bus.subscribe('ingest', p);
    for (let d = await sub.take(50); d; d = await sub.take(50)) {
      out.push({ p, lines: decode<IngestMessage>(IngestMessage, d.data, 'ingest').items.map((i) => i.line) });
      await d.ack();
    }
    await sub.stop();
  }
  return out;
}

describe('Publisher', () => {
  it('sends each record to the partition of its host, a big request in pieces, in order', async () => {
    const bus = new MemoryBus(testBusConfig({ partitions: 4 }));
    const pub = new Publisher({ bus, batchRecords: 50, maxIngestBytes: 1e9, log });
    const records = wazuhAlerts({ alerts: 400, hosts: 8, tag: 'pub' });
    const r = await pub.publish([...records.map((record, i) => ({ file: 'req', line: i + 1, record })), { file: 'req', line: 401, issue: { file: 'req', line: 401, reason: 'not a JSON object' } }]);
    expect(r).toMatchObject({ queued: 400, rejected: 1, duplicates: 0 });
    const msgs = await drain(bus, 4);
    expect(msgs.length).toBe(r.messages);
    for (const m of msgs) {
      expect(m.lines.length).toBeLessThanOrEqual(50);
      for (const line of m.lines) expect(partitionOf(recordKey(records[line - 1]!), 4)).toBe(m.p);
    }
    // Within a partition, in the order given.
    for (let p = 0; p < 4; p++) {
      const lines = msgs.filter((m) => m.p === p).flatMap((m) => m.lines);
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
    }
    expect(msgs.flatMap((m) => m.lines).sort((a, b) => a - b)).toEqual(records.map((_, i) => i + 1));
    // The same request again is stored once (same message ids within the duplicate window).
    const again = await pub.publish(records.map((record, i) => ({ file: 'req', line: i + 1, record })));
    expect(again.duplicates).toBe(again.messages);
  });

  it('sends single-alert requests that arrive together as one message per partition while one is out', async () => {
    const bus = new MemoryBus(testBusConfig({ partitions: 1 }));
    const pub = new Publisher({ bus, batchRecords: 500, maxIngestBytes: 1e9, log });
    const records = wazuhAlerts({ alerts: 64, tag: 'burst' });
    const results = await Promise.all(records.map((record, i) => pub.publish([{ file: 'req', line: i + 1, record }])));
    expect(results.every((r) => r.queued === 1)).toBe(true);
    const msgs = await drain(bus, 1);
    expect(msgs.flatMap((m) => m.lines).sort((a, b) => a - b)).toEqual(records.map((_, i) => i + 1));
    expect(msgs.length).toBeLessThan(8);
  });
});
