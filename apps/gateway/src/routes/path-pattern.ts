/**
 * A compiled path pattern: `/api/v1/homes/{homeId}/devices`, `*` (one segment), `**` or
 * `{*rest}` (any remainder, last only). Captures come back by name.
 */
export interface PathPattern {
  readonly source: string;
  match(path: string): Record<string, string> | undefined;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a pattern; throws an Error naming the problem when the pattern is malformed. */
export function compilePathPattern(source: string): PathPattern {
  const segments = source.split('/').slice(1);
  const names: string[] = [];
  let regex = '^';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**' || /^\{\*[a-zA-Z_][a-zA-Z0-9_]*\}$/.test(segment)) {
      if (!last) throw new Error(`${source}: ${segment} must be the last segment`);
      const name = segment === '**' ? undefined : segment.slice(2, -1);
      if (name !== undefined) names.push(name);
      regex += name === undefined ? '(?:/.*)?' : '(/.*)?';
      return;
    }
    regex += '/';
    if (segment === '*') {
      regex += '[^/]+';
      return;
    }
    let rest = segment;
    while (rest.length > 0) {
      const open = rest.indexOf('{');
      if (open === -1) {
        regex += escape(rest);
        break;
      }
      regex += escape(rest.slice(0, open));
      const close = rest.indexOf('}', open);
      const name = close === -1 ? '' : rest.slice(open + 1, close);
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`${source}: bad capture in ${segment}`);
      names.push(name);
      regex += '([^/]+)';
      rest = rest.slice(close + 1);
    }
  });
  regex += '$';
  const compiled = new RegExp(regex);
  return {
    source,
    match(path) {
      const m = compiled.exec(path);
      if (m === null) return undefined;
      const captures: Record<string, string> = {};
      names.forEach((name, i) => {
        const value = m[i + 1];
        if (value !== undefined) captures[name] = value.startsWith('/') ? value.slice(1) : value;
      });
      return captures;
    },
  };
}

/** Replaces `{name}` in a template with captures (missing ones become empty). */
export function expandTemplate(template: string, captures: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (_, name: string) => captures[name] ?? '');
}
