/** `attune emit`. */
import { InvalidArgumentError, type Command } from 'commander';
import { toError } from '../../errors.ts';
import { withAttune } from '../shared.ts';

export function registerEventCommands(program: Command): void {
  program
    .command('emit <triggerRef> [payload]')
    .description("emit an event of a trigger, payload as a JSON object (default '{}')")
    .option('--dedupe-key <key>', 'events with the same key are stored once')
    .action(async (triggerRef: string, payloadText: string | undefined, o: { dedupeKey?: string }) => {
      let payload: unknown;
      try {
        payload = JSON.parse(payloadText ?? '{}');
      } catch (err) {
        throw new InvalidArgumentError(`payload is not valid JSON: ${toError(err).message}`);
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new InvalidArgumentError('payload must be a JSON object');
      await withAttune(async (attune) => {
        const r = await attune.emit(triggerRef, payload as Record<string, unknown>, { dedupeKey: o.dedupeKey });
        console.log(JSON.stringify(r));
        if (r.duplicate) console.error(`attune: duplicate of event ${r.eventId} (dedupe key "${o.dedupeKey ?? ''}"): not emitted again`);
      });
    });
}
