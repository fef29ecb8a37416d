/** The runtime an action or a worker names, checked against the ones Attune has (`RUNTIMES`). */
import { RUNTIMES } from '../config.ts';
import { didYouMean } from '../did-you-mean.ts';

/** Why `runtime` is not one Attune has (with a "did you mean"), or null when it is. */
export function runtimeProblem(runtime: string, known: readonly string[] = RUNTIMES): string | null {
  if (known.includes(runtime.toLowerCase())) return null;
  const hint = didYouMean(runtime, known);
  return `unknown runtime "${runtime}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ')}`;
}
