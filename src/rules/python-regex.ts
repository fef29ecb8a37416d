/**
 * Python's `re` pattern language as a JavaScript RegExp, with Python's meaning (StackStorm's
 * `regex`, `iregex`, `matchregex`). Compiled patterns are cached; an invalid pattern throws an
 * Error with the reason.
 */
import { cachedRegExp, escapeChar } from './regex-cache.ts';

const CLASS_BODY = {
  d: ['\\p{Nd}', '0-9'],
  w: ['\\p{L}\\p{N}_', 'A-Za-z0-9_'],
  s: ['\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000', '\\t\\n\\v\\f\\r '],
} as const;

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

type ClassAtom = { kind: 'char'; cp: number } | { kind: 'set'; body: string; negated: boolean };

export interface PythonRegexOptions {
  ignoreCase?: boolean;
  /** re.DOTALL: `.` also matches a newline. */
  dotAll?: boolean;
  /** re.match: the match must start at the beginning of the value (reset lastIndex before use). */
  anchored?: boolean;
}

/**
 * Compiles a Python `re` pattern with Python's meaning: `$` also matches before a trailing
 * newline, `\d` `\w` `\s` `\b` are Unicode-aware, `(?P<name>)`, `(?P=name)`, `\A`, `\Z`,
 * `{,n}` and leading inline flags `(?aimsx)` work. Throws on what Python rejects and on what
 * JavaScript cannot express (scoped flags, atomic groups, possessive quantifiers, conditionals).
 */
export function pythonRegExp(source: string, opts: PythonRegexOptions = {}): RegExp {
  const key = `r${opts.ignoreCase ? 'i' : ''}${opts.dotAll ? 's' : ''}${opts.anchored ? 'y' : ''}\0${source}`;
  return cachedRegExp(key, () => translatePythonRegex(source, opts));
}

function translatePythonRegex(src: string, opts: PythonRegexOptions): RegExp {
  const flags = { i: !!opts.ignoreCase, m: false, s: !!opts.dotAll, a: false, x: false };
  let i = 0;
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(src); m; m = /^\(\?([aiLmsux]+)\)/.exec(src.slice(i))) {
    for (const f of m[1] as string) {
      if (f === 'L') throw new Error("cannot use the 'L' flag with a str pattern");
      if (f in flags) flags[f as keyof typeof flags] = true;
    }
    i += m[0].length;
  }
  const ascii = flags.a ? 1 : 0;
  const word = `[${CLASS_BODY.w[ascii]}]`;
  const anchors: Record<string, string> = {
    A: '(?<![\\s\\S])',
    Z: '(?![\\s\\S])',
    b: `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`,
    B: `(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))`,
  };
  const n = src.length;
  let groups = 0;
  let out = '';

  const fail = (msg: string): never => {
    throw new Error(`${msg} at position ${i}`);
  };
  const readCodePoint = (): number => {
    const cp = src.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    return cp;
  };
  const hex = (len: number): number => {
    const digits = src.slice(i, i + len);
    if (digits.length !== len || !/^[0-9a-fA-F]+$/.test(digits)) fail(`incomplete escape \\${src[i - 1]}${digits}`);
    i += len;
    const cp = parseInt(digits, 16);
    return cp > 0x10ffff ? fail('bad escape: code point out of range') : cp;
  };
  const octal = (first: string, maxMore: number): number => {
    let digits = first;
    while (digits.length <= maxMore && /[0-7]/.test(src[i] ?? '')) digits += src[i++];
    const cp = parseInt(digits, 8);
    return cp > 0o377 ? fail(`octal escape value \\${digits} outside of range 0-0o377`) : cp;
  };
  const lit = (cp: number, inClass: boolean): string => escapeChar(String.fromCodePoint(cp), inClass);

  /** The escape after a backslash that has already been consumed. */
  const escape = (inClass: boolean): ClassAtom => {
    if (i >= n) fail('bad escape (end of pattern)');
    const c = src[i] as string;
    const cp = readCodePoint();
    const lower = c.toLowerCase();
    if (lower === 'd' || lower === 'w' || lower === 's') return { kind: 'set', body: CLASS_BODY[lower][ascii], negated: c !== lower };
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return { kind: 'char', cp: simple };
    if (c === 'b' && inClass) return { kind: 'char', cp: 8 };
    if (c === 'x' || c === 'u' || c === 'U') return { kind: 'char', cp: hex(c === 'x' ? 2 : c === 'u' ? 4 : 8) };
    if (c === '0' || (inClass && /[1-7]/.test(c))) return { kind: 'char', cp: octal(c, 2) };
    if (/[A-Za-z0-9]/.test(c)) fail(`bad escape \\${c}`);
    return { kind: 'char', cp };
  };

  const charClass = (): string => {
    const negated = src[i] === '^';
    if (negated) i++;
    const items: string[] = [];
    const negatedSets: string[] = [];
    const add = (a: ClassAtom): void => {
      if (a.kind === 'char') items.push(lit(a.cp, true));
      else (a.negated ? negatedSets : items).push(a.body);
    };
    const atom = (): ClassAtom => (src[i] === '\\' ? (i++, escape(true)) : { kind: 'char', cp: readCodePoint() });
    for (let first = true; ; first = false) {
      if (i >= n) fail('unterminated character set');
      if (src[i] === ']' && !first) {
        i++;
        break;
      }
      const a = atom();
      if (src[i] !== '-') {
        add(a);
        continue;
      }
      i++;
      if (i >= n) fail('unterminated character set');
      if (src[i] === ']') {
        i++;
        add(a);
        items.push('\\-');
        break;
      }
      const b = atom();
      if (a.kind !== 'char' || b.kind !== 'char' || b.cp < a.cp) fail('bad character range');
      items.push(`${lit((a as { cp: number }).cp, true)}-${lit((b as { cp: number }).cp, true)}`);
    }
    if (negatedSets.length === 0) return `[${negated ? '^' : ''}${items.join('')}]`;
    const alts = negatedSets.map((body) => `[^${body}]`);
    if (items.length > 0) alts.unshift(`[${items.join('')}]`);
    const alt = `(?:${alts.join('|')})`;
    return negated ? `(?:(?!${alt})[\\s\\S])` : alt;
  };

  const group = (): string => {
    if (src[i] !== '?') {
      groups++;
      return '(';
    }
    const rest = src.slice(i + 1);
    const named = /^P<([^>]*)>/.exec(rest);
    if (named) {
      i += 1 + named[0].length;
      groups++;
      return `(?<${named[1]}>`;
    }
    const ref = /^P=([^)]*)\)/.exec(rest);
    if (ref) {
      i += 1 + ref[0].length;
      return `\\k<${ref[1]}>`;
    }
    if (rest.startsWith('#')) {
      const end = src.indexOf(')', i);
      if (end < 0) fail('missing ), unterminated comment');
      i = end + 1;
      return '';
    }
    for (const prefix of [':', '=', '!', '<=', '<!']) {
      if (rest.startsWith(prefix)) {
        i += 1 + prefix.length;
        return `(?${prefix}`;
      }
    }
    return fail(`unsupported group "(?${rest.slice(0, 2)}"`);
  };

  const quantifierSuffix = (): string => {
    if (src[i] === '?') return (i++, '?');
    if (src[i] === '+') fail('possessive quantifiers are not supported');
    return '';
  };

  while (i < n) {
    const c = src[i++] as string;
    if (flags.x && ' \t\n\r\v\f'.includes(c)) continue;
    if (flags.x && c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    switch (c) {
      case '\\': {
        const e = src[i];
        const anchor = e === undefined ? undefined : anchors[e];
        if (anchor !== undefined) {
          i++;
          out += anchor;
        } else if (e !== undefined && /[1-9]/.test(e)) {
          i++;
          if (/[0-7]/.test(e) && /[0-7]/.test(src[i] ?? '') && /[0-7]/.test(src[i + 1] ?? '')) out += lit(octal(e, 2), false);
          else {
            let num = e;
            if (/[0-9]/.test(src[i] ?? '')) num += src[i++];
            if (Number(num) > groups) fail(`invalid group reference ${num}`);
            out += `(?:\\${num})`;
          }
        } else {
          const a = escape(false);
          out += a.kind === 'char' ? lit(a.cp, false) : `[${a.negated ? '^' : ''}${a.body}]`;
        }
        break;
      }
      case '[':
        out += charClass();
        break;
      case '(':
        out += group();
        break;
      case ')':
      case '|':
        out += c;
        break;
      case '.':
        out += flags.s ? '[\\s\\S]' : '[^\\n]';
        break;
      case '^':
        out += flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])';
        break;
      case '$':
        out += flags.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        break;
      case '*':
      case '+':
      case '?':
        out += c + quantifierSuffix();
        break;
      case '{': {
        const q = src[i] === '}' ? null : /^(\d*)(?:(,)(\d*))?\}/.exec(src.slice(i));
        if (!q) {
          out += '\\{';
          break;
        }
        i += q[0].length;
        out += `{${q[1] || '0'}${q[2] ? `,${q[3] ?? ''}` : ''}}${quantifierSuffix()}`;
        break;
      }
      default:
        i--;
        out += lit(readCodePoint(), false);
    }
  }
  return new RegExp(out, `u${flags.i ? 'i' : ''}${opts.anchored ? 'y' : ''}`);
}
