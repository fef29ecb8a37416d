// Cancel: a queued execution (waiting for a worker, or already in a busy worker's stream) never
// starts; a running one gets SIGTERM (then SIGKILL after the grace period) and ends `canceled`.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune, ExecutionStatus } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, processAlive, testAttune } from '../helpers.ts';

const rtPackDir = fileURLToPath(new URL('../fixtures/rt-pack', import.meta.url));
let attune: Attune;
let tmp = '';

async function until(id: number, status: ExecutionStatus, extra: (r: { status_reason: string | null }) => boolean = () => true) {
  return eventually(`execution ${id} ${status}`, async () => {
    const r = await attune.executions.get(id);
    return r && r.status === status && extra(r) ? r : null;
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'attune-cancel-'));
  attune = await testAttune('cancel', { worker: { killGraceMs: 500, concurrency: 1 } });
  await attune.packs.load(corePackDir);
  await attune.packs.load(rtPackDir);
  await attune.start({ actors: ['scheduler', 'manager'] }); // no worker yet
});
afterAll(async () => {
  await disposeAttune(attune);
  await rm(tmp, { recursive: true, force: true });
});

describe('cancel', () => {
  it('an execution waiting for a worker never starts', async () => {
    const marker = path.join(tmp, 'waiting');
    const e = await attune.run('rt.touch', { path: marker });
    await until(e.id, 'requested', (r) => (r.status_reason ?? '').includes('waiting for a worker'));
    const canceled = await attune.executions.cancel(e.id);
    expect(canceled.status).toBe('canceled');
    await attune.start({ actors: ['worker'] });
    const later = await attune.run('rt.touch', { path: path.join(tmp, 'later') }, { wait: true });
    expect(later.status).toBe('succeeded');
    const row = await attune.executions.get(e.id);
    expect(row).toMatchObject({ status: 'canceled', started_at: null, status_reason: 'canceled before it started' });
    expect(existsSync(marker)).toBe(false);
  });

  it("an execution already in a busy worker's stream never starts (cancel marker)", async () => {
    const busy = await attune.run('core.sleep', { seconds: 1.5 });
    await until(busy.id, 'running');
    const marker = path.join(tmp, 'queued');
    const queued = await attune.run('rt.touch', { path: marker });
    await until(queued.id, 'scheduled');
    expect((await attune.executions.cancel(queued.id)).status).toBe('canceled');
    const after = await attune.run('rt.touch', { path: path.join(tmp, 'after') }, { wait: true });
    expect(after.status).toBe('succeeded'); // the worker went past the canceled entry
    expect((await attune.executions.get(busy.id))?.status).toBe('succeeded');
    expect(await attune.executions.get(queued.id)).toMatchObject({ status: 'canceled', started_at: null });
    expect(existsSync(marker)).toBe(false);
    const p = probe(attune);
    // The worker deletes the cancel marker after its ack (the claim, taken, keeps it from running).
    await eventually('the cancel marker deleted', async () => (await p.redis.exists(p.keys.executionCancel(queued.id))) === 0);
    expect(await p.redis.exists(p.keys.executionClaim(queued.id))).toBe(1);
  });

  it('a running execution gets SIGTERM, its process group ends, and it is canceled', async () => {
    const pidfile = path.join(tmp, 'tree.pid');
    const e = await attune.run('rt.tree', { pidfile });
    await until(e.id, 'running');
    await eventually('the child pid written', () => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '');
    const child = Number(readFileSync(pidfile, 'utf8'));
    const c = await attune.executions.cancel(e.id);
    expect(c.status).toBe('canceling');
    const done = await until(e.id, 'canceled');
    expect(done.status_reason).toBe('canceled');
    await eventually('the child is gone', () => !processAlive(child), 5000);
  });

  it('one that ignores SIGTERM is killed after the grace period and is canceled', async () => {
    const pidfile = path.join(tmp, 'stubborn.pid');
    const e = await attune.run('rt.stubborn', { pidfile });
    await until(e.id, 'running');
    await eventually('the child pid written', () => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '');
    const child = Number(readFileSync(pidfile, 'utf8'));
    await attune.executions.cancel(e.id);
    await until(e.id, 'canceled');
    await eventually('the child is gone', () => !processAlive(child), 5000);
  });

  it('a finished or unknown execution cannot be canceled, and the error says why', async () => {
    const e = await attune.run('core.noop', {}, { wait: true });
    await expect(attune.executions.cancel(e.id)).rejects.toThrow(`execution ${e.id} already ended succeeded; nothing to cancel`);
    await expect(attune.executions.cancel(999_999)).rejects.toThrow('execution 999999 does not exist');
  });
});
