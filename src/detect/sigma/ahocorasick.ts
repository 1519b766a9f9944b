// Multi-literal search used by the rule index: one pass over a field's text finds every rule
// whose needle occurs in it. The automaton is a full DFA over a compressed alphabet (only the
// characters the needles use, plus "other"), so scanning costs one table read per character.

/** A needle for the automaton. */
export interface AcPattern {
  text: string;
  /** Reported on a hit; several patterns may share one id. */
  id: number;
}

/** Finds which of many literals occur in a text in one pass (see the file comment). */
export class AhoCorasick {
  private readonly classOf: Uint16Array;
  private readonly width: number;
  // Uint16 when the states fit: half the table, so more of it stays in cache while scanning.
  private readonly delta: Uint16Array | Int32Array;
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** Nearest state along the failure chain that has outputs, or -1. */
  private readonly outLink: Int32Array;
  /** The state itself when it has outputs, else its `outLink`: one read per character. */
  private readonly outHead: Int32Array;
  readonly states: number;

  constructor(patterns: readonly AcPattern[]) {
    // ASCII characters get their own class; every non-ASCII character a needle uses shares one.
    // Sharing can only add hits (never lose one), and keeps the table narrow whatever the rules hold.
    const classOf = new Uint16Array(65536);
    let width = 2;
    let total = 1;
    const NON_ASCII = 1;
    for (const p of patterns) {
      total += p.text.length;
      for (let i = 0; i < p.text.length; i++) {
        const c = p.text.charCodeAt(i);
        if (classOf[c] === 0) classOf[c] = c < 128 ? width++ : NON_ASCII;
      }
    }
    this.classOf = classOf;
    this.width = width;
    const go = new Int32Array(total * width).fill(-1);
    const own: number[][] = [[]];
    let states = 1;
    for (const p of patterns) {
      let s = 0;
      for (let i = 0; i < p.text.length; i++) {
        const k = s * width + classOf[p.text.charCodeAt(i)]!;
        if (go[k] === -1) {
          go[k] = states++;
          own.push([]);
        }
        s = go[k]!;
      }
      if (!own[s]!.includes(p.id)) own[s]!.push(p.id);
    }
    this.states = states;
    const delta = go.subarray(0, states * width);
    const fail = new Int32Array(states);
    const outLink = new Int32Array(states).fill(-1);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let c = 0; c < width; c++) {
      const t = delta[c]!;
      if (t === -1) delta[c] = 0;
      else {
        fail[t] = 0;
        queue[tail++] = t;
      }
    }
    while (head < tail) {
      const s = queue[head++]!;
      const f = fail[s]!;
      outLink[s] = own[f]!.length ? f : outLink[f]!;
      for (let c = 0; c < width; c++) {
        const k = s * width + c;
        const t = delta[k]!;
        if (t === -1) delta[k] = delta[f * width + c]!;
        else {
          fail[t] = delta[f * width + c]!;
          queue[tail++] = t;
        }
      }
    }
    this.delta = states < 65536 ? Uint16Array.from(delta) : delta.slice();
    this.outLink = outLink;
    const outStart = new Int32Array(states + 1);
    let n = 0;
    for (let s = 0; s < states; s++) {
      outStart[s] = n;
      n += own[s]!.length;
    }
    outStart[states] = n;
    const outIds = new Int32Array(n);
    for (let s = 0; s < states; s++) outIds.set(own[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outIds = outIds;
    const outHead = new Int32Array(states);
    for (let s = 0; s < states; s++) outHead[s] = own[s]!.length ? s : outLink[s]!;
    this.outHead = outHead;
  }

  /** Bytes held by the tables, for reporting. */
  get memoryBytes(): number {
    return this.delta.byteLength + this.outStart.byteLength + this.outIds.byteLength + this.outLink.byteLength * 2 + this.classOf.byteLength;
  }

  /** True when any pattern occurs in `text` (stops at the first). */
  test(text: string): boolean {
    const { classOf, delta, width, outHead } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * width + classOf[text.charCodeAt(i)]!]!;
      if (outHead[s] !== -1) return true;
    }
    return false;
  }

  /**
   * Scans `text`; for each pattern id found whose `mark` is not yet `epoch`, sets it and pushes
   * the id to `out` (so each id is reported once per event across all scans).
   */
  scan(text: string, mark: Uint32Array, epoch: number, out: number[]): void {
    const { classOf, delta, width, outStart, outIds, outLink, outHead } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * width + classOf[text.charCodeAt(i)]!]!;
      let o = outHead[s]!;
      while (o !== -1) {
        for (let j = outStart[o]!, e = outStart[o + 1]!; j < e; j++) {
          const id = outIds[j]!;
          if (mark[id] !== epoch) {
            mark[id] = epoch;
            out.push(id);
          }
        }
        o = outLink[o]!;
      }
    }
  }
}
