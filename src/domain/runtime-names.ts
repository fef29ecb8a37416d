/** The runtime an action or a worker names, checked against the ones Attune has (`RUNTIMES`). */
import { RUNTIMES } from '../config.ts';
import { didYouMean } from './policy-schema.ts';

/** Why `runtime` is not one Attune has (with a "did you mean"), or null when it is. */
export function runtimeProblem(runtime: string): string | null {
  if ((RUNTIMES as readonly string[]).includes(runtime.toLowerCase())) return null;
  const hint = didYouMean(runtime, RUNTIMES);
  return `unknown runtime "${runtime}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${RUNTIMES.join(', ')}`;
}
