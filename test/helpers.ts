/** Attune instances for tests, each in its own namespace and schema (see support.ts). */
import { createAttune, type Attune, type AttuneOptions } from '../src/index.ts';
import { dropIsolation, isolation } from './support.ts';

export * from './support.ts';

/** Instances not yet disposed: `test/setup.ts` fails the file if any is left running. */
export const liveInstances = new Set<Attune>();

/** An Attune instance in its own namespace and schema, migrated. */
export async function testAttune(label: string, options: AttuneOptions = {}): Promise<Attune> {
  const iso = isolation(label);
  const attune = await createAttune({
    namespace: iso.namespace,
    schema: iso.schema,
    logLevel: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
    ...options,
  });
  liveInstances.add(attune);
  const stop = attune.stop.bind(attune);
  attune.stop = async () => {
    liveInstances.delete(attune);
    await stop();
  };
  await attune.migrate();
  return attune;
}

/** Stops the instance, then drops its schema and deletes its keys. */
export async function disposeAttune(attune: Attune): Promise<void> {
  const { namespace, schema } = attune.config;
  await attune.stop();
  await dropIsolation(namespace, schema);
}
