/** Code-first actions and triggers: defined in code, stored like a pack's, run by a worker of the process, typed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAttune, defineAction, defineTrigger, NotFoundError, ValidationError } from '../../src/index.ts';
import { dropIsolation, eventually, isolation, probe } from '../helpers.ts';

const orderPaid = defineTrigger({
  ref: 'shop.order_paid',
  description: 'an order was paid',
  payload: z.object({ orderId: z.string(), amount: z.number().positive() }),
});
const receipt = defineAction({
  ref: 'shop.send_receipt',
  parameters: z.object({ orderId: z.string().min(3), copies: z.number().int().default(1) }),
  handler: async ({ orderId, copies }) => ({ sent: `${orderId}x${copies}` }),
});
const legacy = defineAction({
  ref: 'shop.legacy',
  parameters: { token: { type: 'string', required: true }, n: { type: 'integer' } },
  secrets: ['token'],
  handler: async (p) => ({ n: p.n ?? 0, tokenLength: p.token.length }),
});
const iso = isolation('codefirst');

async function open() {
  const attune = await createAttune({ ...iso, logLevel: 'silent', definitions: [orderPaid, receipt, legacy] });
  await attune.migrate();
  return attune;
}
let attune: Awaited<ReturnType<typeof open>>;

describe('code-first definitions', () => {
  beforeAll(async () => {
    attune = await open();
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'], runtimes: ['node'] });
  });
  afterAll(async () => {
    await attune?.stop();
    await dropIsolation(iso.namespace, iso.schema);
  });

  it('stores actions and triggers like a pack, so describe, run and rules see them', async () => {
    const info = await attune.actions.describe('shop.send_receipt');
    expect(info.runtime).toBe('node');
    expect(info.parameters.orderId).toMatchObject({ type: 'string', required: true });
    expect(info.parameters.copies).toMatchObject({ type: 'integer', required: false, default: 1 });
    expect((await attune.actions.describe('shop.legacy')).parameters.token).toMatchObject({ secret: true, required: true });
    const [trigger] = await probe(attune).sql<{ payload_schema: { required: string[] } }[]>`select payload_schema from trigger where ref = 'shop.order_paid'`;
    expect(trigger?.payload_schema.required).toEqual(['orderId', 'amount']);
  });

  it('runs a code-first action in the process that defined it, with zod-parsed parameters', async () => {
    const row = await attune.run('shop.send_receipt', { orderId: 'o-17' });
    const done = await attune.executions.wait(row.id, { timeoutMs: 20_000 });
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ sent: 'o-17x1' });
    await expect(attune.run('shop.send_receipt', { orderId: 'o' })).rejects.toThrow(/orderId/);
  });

  it('an emitted event of a code-first trigger reaches a rule and its code-first action', async () => {
    await attune.rules.create({
      name: 'receipt_on_payment',
      pack: 'shop',
      trigger: { type: 'shop.order_paid' },
      criteria: { 'payload.amount': { type: 'greaterthan', pattern: 10 } },
      action: { ref: 'shop.send_receipt', parameters: { orderId: '{{ event.payload.orderId }}', copies: 2 } },
    });
    await attune.emit('shop.order_paid', { orderId: 'o-42', amount: 99 });
    const done = await eventually('the rule ran shop.send_receipt', async () =>
      (await attune.executions.list({ status: 'succeeded', limit: 20 })).find((e) => e.action_ref === 'shop.send_receipt' && e.result?.sent === 'o-42x2'),
    );
    expect(done.parameters).toEqual({ orderId: 'o-42', copies: 2 });
  });

  it('refuses a payload that does not fit, naming the field, before anything is published', async () => {
    await expect(attune.emit('shop.order_paid', { orderId: 'o-1', amount: -5 })).rejects.toThrow(ValidationError);
    await expect(attune.emit('shop.order_paid', { orderId: 'o-1', amount: -5 })).rejects.toThrow(/amount/);
  });

  it('a process without the definitions still sees them once stored (describe), and refuses bad YAML-style declarations', async () => {
    const other = await createAttune({ ...iso, logLevel: 'silent' });
    try {
      expect((await other.actions.describe('shop.legacy')).runtime).toBe('node');
      await expect(other.actions.describe('shop.nothing')).rejects.toThrow(NotFoundError);
    } finally {
      await other.stop();
    }
    expect(() => defineAction({ ref: 'nopack', parameters: {}, handler: async () => null })).toThrow(/<pack>\.<name>/);
    expect(() => defineAction({ ref: 'a.b', parameters: z.object({ x: z.string().nullable() }), handler: async () => null })).toThrow(/parameter "x"/);
  });
});
