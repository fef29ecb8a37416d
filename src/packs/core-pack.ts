/**
 * Where the core pack (timers, webhook, `core.echo`, `core.http` …) is: `packs/core` at the root
 * of the package, found from this file, so it does not depend on the caller's working directory.
 * Sources (`src/packs/`) and the compiled code (`dist/packs/`) are at the same depth.
 */
import { fileURLToPath } from 'node:url';

export const corePackDir = fileURLToPath(new URL('../../packs/core', import.meta.url));
