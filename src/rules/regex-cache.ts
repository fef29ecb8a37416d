/**
 * The compiled-pattern cache shared by the wildcard and Python `re` translators, and the escaping
 * of a literal character for a JavaScript RegExp (`u` mode). An invalid pattern is cached as its
 * error, so a bad rule does not re-translate on every event.
 */
const REGEX_CACHE_MAX = 1000;
const regexCache = new Map<string, RegExp | Error>();

/** The RegExp cached under `key`, built once; throws the (cached) reason when it cannot be built. */
export function cachedRegExp(key: string, build: () => RegExp): RegExp {
  let hit = regexCache.get(key);
  if (hit === undefined) {
    try {
      hit = build();
    } catch (err) {
      // V8 names the translated source (`Invalid regular expression: /…/u: …`): keep the reason
      const reason = (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      hit = new Error(reason);
    }
    if (regexCache.size >= REGEX_CACHE_MAX) regexCache.delete(regexCache.keys().next().value as string);
    regexCache.set(key, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

const SYNTAX = new Set('^$\\.*+?()[]{}|/');

/** A literal character as RegExp source (`-` is escaped too inside a class). */
export function escapeChar(ch: string, inClass: boolean): string {
  return SYNTAX.has(ch) || (inClass && ch === '-') ? `\\${ch}` : ch;
}
