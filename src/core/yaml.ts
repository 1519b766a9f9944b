import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

/**
 * 1-based line of a path in a parsed YAML document (the deepest part of the path that exists).
 * For a mapping entry that is the line of its key, so `cases:\n  windw: 2h` points at `windw`.
 */
export function yamlLineOf(source: string, doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined {
  const lineAt = (offset: number): number => source.slice(0, offset).split('\n').length;
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(k));
      if (!pair) break;
      const at = (pair.key as { range?: [number, number] } | null)?.range ?? (pair.value as { range?: [number, number] } | null)?.range;
      if (at) line = lineAt(at[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') {
      const item = node.items[k] as { range?: [number, number] } | undefined;
      if (!item) break;
      if (item.range) line = lineAt(item.range[0]);
      node = item;
    } else break;
  }
  return line;
}

/** Parses YAML text; the first syntax error comes back with its line instead of being thrown. */
export function parseYaml(source: string): { doc: Document; value: unknown; error?: { message: string; line: number } } {
  const doc = parseDocument(source, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    // Without prettyErrors the yaml package leaves `linePos` unset; `pos` (a character offset) is always there.
    const line = e.linePos?.[0]?.line ?? (e.pos ? source.slice(0, e.pos[0]).split('\n').length : 1);
    return { doc, value: undefined, error: { message: e.message.split('\n')[0]!, line } };
  }
  try {
    return { doc, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    // An alias bomb (the yaml package refuses past 100 aliases) or nesting that exhausts the stack.
    const message = e instanceof RangeError ? 'the document is nested too deeply' : `${(e as Error).message} (at most 100 aliases are expanded)`;
    return { doc, value: undefined, error: { message, line: 1 } };
  }
}
