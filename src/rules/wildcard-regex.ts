/** Python's `fnmatch` wildcards (StackStorm's `matchwildcard`) as a cached JavaScript RegExp. */
import { cachedRegExp, escapeChar } from './regex-cache.ts';

/** Python's fnmatch.fnmatch(value, pattern) as a RegExp: `*`, `?`, `[seq]`, `[!seq]`, case-sensitive. */
export function wildcardRegExp(pattern: string): RegExp {
  return cachedRegExp(`w\0${pattern}`, () => {
    const chars = Array.from(pattern);
    let out = '';
    let i = 0;
    while (i < chars.length) {
      const c = chars[i++] as string;
      if (c === '*') {
        if (!out.endsWith('[\\s\\S]*')) out += '[\\s\\S]*';
      } else if (c === '?') out += '[\\s\\S]';
      else if (c === '[') {
        let j = i;
        if (chars[j] === '!') j++;
        if (chars[j] === ']') j++;
        while (j < chars.length && chars[j] !== ']') j++;
        if (j >= chars.length) out += '\\[';
        else {
          out += wildcardSet(chars.slice(i, j));
          i = j + 1;
        }
      } else out += escapeChar(c, false);
    }
    return new RegExp(`^(?:${out})$`, 'u');
  });
}

function wildcardSet(set: string[]): string {
  const negated = set[0] === '!';
  const parts: string[] = [];
  for (let k = negated ? 1 : 0; k < set.length;) {
    const a = set[k] as string;
    const b = set[k + 2];
    if (set[k + 1] === '-' && b !== undefined) {
      // Python drops empty ranges such as z-a rather than failing
      if ((a.codePointAt(0) as number) <= (b.codePointAt(0) as number)) parts.push(`${escapeChar(a, true)}-${escapeChar(b, true)}`);
      k += 3;
    } else {
      parts.push(escapeChar(a, true));
      k += 1;
    }
  }
  if (parts.length === 0) return negated ? '[\\s\\S]' : '(?!)';
  return `[${negated ? '^' : ''}${parts.join('')}]`;
}
