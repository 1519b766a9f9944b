import { parseDocument, type Document } from 'yaml';

/** 1-based line of a path in a parsed YAML document (the deepest part of the path that exists). */
export function yamlLineOf(source: string, doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number] } | undefined;
    if (node?.range) return source.slice(0, node.range[0]).split('\n').length;
  }
  return undefined;
}

/** Parses YAML text; the first syntax error comes back with its line instead of being thrown. */
export function parseYaml(source: string): { doc: Document; value: unknown; error?: { message: string; line: number } } {
  const doc = parseDocument(source, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    return { doc, value: undefined, error: { message: e.message.split('\n')[0]!, line: e.linePos?.[0]?.line ?? 1 } };
  }
  return { doc, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
}
