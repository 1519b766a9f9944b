// `*`/`?` wildcard patterns from config and playbooks (host allowlists, routing, assets, triggers).
// They are matched by a greedy two-pointer walk, never turned into a regular expression: `^.*a.*a.*b$`
// backtracks polynomially in the number of stars, `a*a*a*…b` over a long host name would stall.

/** Linear-time `*`/`?` wildcard match (case-insensitive); at worst text length × pattern length steps. */
export function globMatch(text: string, pattern: string): boolean {
  const s = text.toLowerCase();
  const p = pattern.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (j < p.length && (p[j] === '?' || p[j] === s[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else return false;
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

/** A wildcard pattern ready to test values against. */
export interface Glob {
  readonly pattern: string;
  test(text: string): boolean;
}

/** `*` and `?` wildcards only, anchored, case-insensitive: safe to build from config. */
export function compileGlob(pattern: string): Glob {
  return { pattern, test: (text) => globMatch(text, pattern) };
}
