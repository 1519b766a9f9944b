import { describe, expect, it } from 'vitest';
import { ReportRefresher } from './refresh.js';

describe('ReportRefresher', () => {
  it('coalesces a burst of changes to one render per case, after the last change', async () => {
    const seen: string[] = [];
    const r = new ReportRefresher(async (id) => void seen.push(id), 40);
    for (let i = 0; i < 5; i++) r.schedule('case_1');
    r.schedule('case_2');
    await new Promise((res) => setTimeout(res, 20));
    r.schedule('case_1');
    expect(seen).toEqual([]);
    await new Promise((res) => setTimeout(res, 120));
    expect(seen.sort()).toEqual(['case_1', 'case_2']);
    expect(r.renders).toBe(2);
  });

  it('settled() renders what is scheduled at once and waits; a failing render is logged, not thrown', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const r = new ReportRefresher(
      async (id) => {
        if (id === 'bad') throw new Error('disk full');
        seen.push(id);
      },
      60_000,
      { error: (o: unknown) => errors.push(o) } as never,
    );
    r.schedule('bad');
    r.schedule('case_3');
    await r.settled();
    expect(seen).toEqual(['case_3']);
    expect(errors).toHaveLength(1);
  });
});
