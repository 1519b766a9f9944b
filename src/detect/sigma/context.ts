// Per-event field access shared by every rule evaluated on that event: each field is looked up,
// stringified, lower-cased and dash-normalized at most once per event, however many rules read it.

/** How a rule wants a field's text: as is, lower-cased, and/or with Windows dashes unified. */
export const View = { Raw: 0, Lower: 1, LowerDash: 2, RawDash: 3 } as const;
export type View = (typeof View)[keyof typeof View];

const DASHES = /[/\u2013\u2014\u2015]/g;

/** Maps `/`, en dash, em dash and horizontal bar to `-`, which is what `windash` treats as equal. */
export function unifyDashes(s: string): string {
  // Most values have none; a plain scan is cheaper than a global replace on every field.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || (c >= 0x2013 && c <= 0x2015)) return s.replace(DASHES, '-');
  }
  return s;
}

/** `s` in the given view. */
export function viewOf(s: string, v: View): string {
  switch (v) {
    case View.Raw:
      return s;
    case View.Lower:
      return s.toLowerCase();
    case View.LowerDash:
      return unifyDashes(s.toLowerCase());
    case View.RawDash:
      return unifyDashes(s);
  }
}

/** Field names used by compiled rules, each given a small integer slot for per-event caches. */
export class FieldTable {
  readonly names: string[] = [];
  readonly paths: (string[] | null)[] = [];
  private readonly bySlot = new Map<string, number>();

  slot(name: string): number {
    let s = this.bySlot.get(name);
    if (s === undefined) {
      s = this.names.length;
      this.bySlot.set(name, s);
      this.names.push(name);
      this.paths.push(name.includes('.') ? name.split('.') : null);
    }
    return s;
  }

  get size(): number {
    return this.names.length;
  }
}

/** Text form of a scalar field value; objects have none. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * The event being matched plus lazily filled caches. `reset` starts a new event; caches are
 * invalidated by bumping an epoch rather than clearing arrays.
 */
export class EventContext {
  event: Record<string, unknown> = {};
  private epoch = 1;
  private rawStamp: Uint32Array;
  private raw: unknown[];
  private viewStamp: Uint32Array[];
  private views: (string | string[] | undefined)[][];
  private kwStamp = 0;
  private kw: string[][] = [[], [], [], []];
  private kwViewStamp = new Uint32Array(4);

  constructor(private readonly fields: FieldTable) {
    const n = fields.size;
    this.rawStamp = new Uint32Array(n);
    this.raw = new Array<unknown>(n);
    this.viewStamp = [0, 1, 2, 3].map(() => new Uint32Array(n));
    this.views = [0, 1, 2, 3].map(() => new Array<string | string[] | undefined>(n));
  }

  reset(event: Record<string, unknown>): void {
    this.event = event;
    this.epoch++;
    if (this.fields.size > this.rawStamp.length) this.grow();
  }

  private grow(): void {
    const n = this.fields.size;
    const s = new Uint32Array(n);
    s.set(this.rawStamp);
    this.rawStamp = s;
    this.viewStamp = this.viewStamp.map((old) => {
      const a = new Uint32Array(n);
      a.set(old);
      return a;
    });
  }

  /** The field's value: `undefined` when absent, `null` when present but null. */
  get(slot: number): unknown {
    if (this.rawStamp[slot] === this.epoch) return this.raw[slot];
    const v = this.lookup(slot);
    this.rawStamp[slot] = this.epoch;
    this.raw[slot] = v;
    return v;
  }

  private lookup(slot: number): unknown {
    const ev = this.event;
    const name = this.fields.names[slot]!;
    // Flat keys win, so `{"process.name": …}` and `{"process":{"name":…}}` both work.
    if (Object.prototype.hasOwnProperty.call(ev, name)) return ev[name];
    const path = this.fields.paths[slot];
    if (!path) return undefined;
    let cur: unknown = ev;
    for (const k of path) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return cur;
  }

  /** Text of the field in the requested view; a list for array values; undefined for none. */
  text(slot: number, view: View): string | string[] | undefined {
    const stamps = this.viewStamp[view]!;
    if (stamps[slot] === this.epoch) return this.views[view]![slot];
    const v = this.get(slot);
    let out: string | string[] | undefined;
    const s = scalarText(v);
    if (s !== undefined) {
      if (view === View.LowerDash) {
        const low = this.text(slot, View.Lower);
        out = typeof low === 'string' ? unifyDashes(low) : viewOf(s, view);
      } else out = viewOf(s, view);
    }
    else if (Array.isArray(v)) {
      out = [];
      for (const x of v) {
        const t = scalarText(x);
        if (t !== undefined) out.push(viewOf(t, view));
      }
    }
    stamps[slot] = this.epoch;
    this.views[view]![slot] = out;
    return out;
  }

  /** Every scalar value in the event (recursively), for keyword searches. */
  keywords(view: View): string[] {
    if (this.kwStamp !== this.epoch) {
      this.kwStamp = this.epoch;
      const raw: string[] = [];
      collect(this.event, raw, 0);
      this.kw[View.Raw] = raw;
    }
    if (this.kwViewStamp[view] !== this.epoch) {
      this.kwViewStamp[view] = this.epoch;
      if (view !== View.Raw) this.kw[view] = this.kw[View.Raw]!.map((s) => viewOf(s, view));
    }
    return this.kw[view]!;
  }
}

function collect(v: unknown, out: string[], depth: number): void {
  if (depth > 32) return;
  const s = scalarText(v);
  if (s !== undefined) {
    out.push(s);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collect(x, out, depth + 1);
}
