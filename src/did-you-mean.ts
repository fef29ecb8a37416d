import { z } from 'zod';

/** The known name closest to a misspelt one (an unknown YAML key, runtime, template variable or environment variable). */

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] ?? 0;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] ?? 0;
      d[j] = Math.min(cur + 1, (d[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] ?? 0;
}

/** The known key closest to `key`, when it is close enough to be a typo. */
export function didYouMean(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(key.toLowerCase(), k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** A strict object whose unknown keys are named, each with a "did you mean" when one is close. */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      const named = iss.keys.map((k) => {
        const hint = didYouMean(k, known);
        return hint ? `"${k}" (did you mean "${hint}"?)` : `"${k}"`;
      });
      return `unknown key${iss.keys.length > 1 ? 's' : ''} ${named.join(', ')}; known: ${known.join(', ')}`;
    },
  });
}
