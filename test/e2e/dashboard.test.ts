/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the key is entered once; an action run from the UI shows its output line by line while it runs;
 * a running one is canceled; the list catches up after its feed reconnects and pages back to older
 * ones; a workflow's tasks show by name; long values stay inside a phone-width page; a rule is
 * disabled; a rule's enforcements say why an event did not run; a dead letter is replayed; a
 * revoked key is asked for again. `DASHBOARD_SCREENSHOTS=1` also writes the pages to docs/img/
 * (or to `DASHBOARD_SCREENSHOTS_DIR`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { defaultWebDir, startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shotDir = process.env.DASHBOARD_SCREENSHOTS_DIR ?? (process.env.DASHBOARD_SCREENSHOTS === '1' ? `${root}docs/img` : null);
const shot = async (page: Page, name: string, fullPage = false) => {
  if (shotDir) await page.screenshot({ path: `${shotDir}/${name}.png`, fullPage });
};

const longName = 'a_very_long_action_name'.repeat(9).slice(0, 192);
const tmp = mkdtempSync(`${tmpdir()}/attune-dashboard-`);

describe('dashboard in headless Chromium', () => {
  let attune: Attune;
  let server: HttpServer;
  let browser: Browser;
  let page: Page;
  let keyId: number;

  beforeAll(async () => {
    if (!existsSync(`${defaultWebDir}/index.html`)) execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'ignore' });
    attune = await testAttune('dashboard', { consumer: { blockMs: 200 } });
    await attune.packs.load(corePackDir);
    await attune.packs.load(`${root}test/fixtures/rerun-pack`);
    // An action whose ref is 200 characters long, for the layout check.
    const longPack = `${tmp}/longref`;
    mkdirSync(`${longPack}/actions`, { recursive: true });
    writeFileSync(`${longPack}/pack.yaml`, 'name: longref\nversion: 0.0.1\n');
    writeFileSync(
      `${longPack}/actions/${longName}.yaml`,
      `name: ${longName}\nruntime: shell\ncommand: echo "$ATTUNE_PARAM_BLOB"\nparameters:\n  blob: { type: string }\n`,
    );
    await attune.packs.load(longPack);
    // No sensor actor: the timer rule stays enabled but never fires, so the lists hold only what the test does.
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager', 'workflow'] });
    server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: defaultWebDir });
    if (!existsSync('/usr/bin/chromium')) throw new Error("the dashboard test drives Debian's chromium: apt-get install -y chromium (.ci/run installs it)");
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(30_000);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await disposeAttune(attune);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('asks for the key once and keeps it', async () => {
    const { key, record } = await attune.apiKeys.create('operator', 'dashboard test');
    keyId = record.id;
    await page.goto(server.url);
    await page.getByLabel('API key').fill('atk_wrong');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/key/i);
    await page.getByLabel('API key').fill(key);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Rules' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: /Executions/ }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('attune.apiKey'))).toBe(key);
  });

  it('runs an action from the UI and shows its output line by line while it runs', async () => {
    await page.goto(`${server.url}/#/executions`);
    await page.getByText('Run an action').click();
    await page.getByLabel('Action').first().selectOption('core.local');
    await page.getByLabel('Parameters (JSON)').fill(JSON.stringify({ cmd: 'for i in 1 2 3; do echo line$i; sleep 2; done' }));
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/#\/executions\/\d+$/);
    const id = Number(/(\d+)$/.exec(page.url())![1]);
    const lines = page.locator('pre.output div');
    // One line shown, the next not yet there (2 s apart, room for a slow machine), the execution still running.
    await lines.filter({ hasText: 'line1' }).waitFor();
    expect(await lines.filter({ hasText: 'line3' }).count()).toBe(0);
    // Output is live before the manager has applied the worker's `running` report: not ended is what counts.
    expect(['scheduled', 'running']).toContain((await attune.executions.get(id))?.status);
    await lines.filter({ hasText: 'line2' }).waitFor();
    expect(await lines.filter({ hasText: 'line3' }).count()).toBe(0);
    await lines.filter({ hasText: 'line3' }).waitFor();
    await page.locator('h1 .status', { hasText: 'succeeded' }).waitFor();
    expect(await lines.allTextContents()).toEqual(['line1', 'line2', 'line3']);
    await shot(page, 'execution');
  });

  it('cancels a running execution from its page', async () => {
    const e = await attune.run('core.local', { cmd: 'echo started; sleep 60' });
    await page.goto(`${server.url}/#/executions/${e.id}`);
    await page.locator('pre.output div', { hasText: 'started' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('h1 .status', { hasText: /^canceled$/ }).waitFor();
    expect((await attune.executions.get(e.id))?.status).toBe('canceled');
    await page.goto(`${server.url}/#/executions`);
    await page.locator(`tr[data-id="${e.id}"] .status`, { hasText: 'canceled' }).waitFor();
    await shot(page, 'executions');
  });

  it('reloads the list when its status feed reconnects: what changed while it was cut off shows', async () => {
    await page.goto(`${server.url}/#/executions`);
    await page.locator('h1 .hint', { hasText: 'live' }).waitFor();
    // The server goes away (the browser's feed breaks) and an execution runs and ends meanwhile.
    const port = Number(new URL(server.url).port);
    await server.stop();
    const e = await attune.run('core.local', { cmd: 'echo while-away' });
    expect((await attune.executions.wait(e.id, { timeoutMs: 30_000 })).status).toBe('succeeded');
    expect(await page.locator(`tr[data-id="${e.id}"]`).count()).toBe(0);
    // Back on the same port: the feed reconnects and, with no change left to announce it, the list reloads.
    server = await startHttpServer(attune, { port, host: '127.0.0.1', webDir: defaultWebDir });
    await page.locator(`tr[data-id="${e.id}"] .status`, { hasText: 'succeeded' }).waitFor();
  });

  it('pages back to older executions', async () => {
    const first = (await attune.executions.list({ limit: 500 })).at(-1)!;
    for (let i = 0; i < 50; i++) await attune.run('core.noop');
    await page.goto(`${server.url}/#/executions`);
    await page.locator('tbody tr').nth(49).waitFor();
    expect(await page.locator(`tr[data-id="${first.id}"]`).count()).toBe(0);
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.locator(`tr[data-id="${first.id}"]`).waitFor();
    await page.getByRole('button', { name: 'Newest' }).click();
    await page.locator(`tr[data-id="${first.id}"]`).waitFor({ state: 'detached' });
  });

  it("shows a workflow's tasks by name, in the order they ran, and a task's workflow", async () => {
    const dir = tmp;
    writeFileSync(`${dir}/gate`, '');
    const flow = await attune.run('rerun.flow', { file: `${dir}/out`, gate: `${dir}/gate` });
    expect((await attune.executions.wait(flow.id, { timeoutMs: 30_000 })).status).toBe('succeeded');
    await page.goto(`${server.url}/#/executions/${flow.id}`);
    const tasks = page.getByRole('table', { name: 'tasks' }).locator('tbody tr');
    await tasks.nth(2).waitFor();
    expect(await tasks.locator('td:first-child').allTextContents()).toEqual(['a', 'b', 'c']);
    await tasks.first().getByRole('link').click();
    await page.locator('.facts', { hasText: `task a of #${flow.id}` }).waitFor();
  });

  it('keeps a 200-character action ref and a 2 KB parameter inside a phone-width page', async () => {
    const e = await attune.run(`longref.${longName}`, { blob: 'B'.repeat(2048) });
    await attune.executions.wait(e.id, { timeoutMs: 30_000 });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const hash of [`#/executions/${e.id}`, '#/executions', '#/rules']) {
        await page.goto(`${server.url}/${hash}`);
        await page.locator('h1').first().waitFor();
        await page.locator('tbody tr, pre.output').first().waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth), hash).toBeLessThanOrEqual(390);
      }
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
  });

  it('disables a rule', async () => {
    expect((await attune.rules.get('core.hello_world_timer'))?.enabled).toBe(true);
    await page.getByRole('link', { name: 'Rules' }).click();
    const row = page.locator('tr[data-ref="core.hello_world_timer"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await attune.rules.get('core.hello_world_timer'))?.enabled).toBe(false);
    await row.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('region', { name: 'dry run' }).waitFor();
    await shot(page, 'rules');
  });

  it("opens a rule's enforcements: why each event did not run, the execution it made, older pages, phone width", async () => {
    const flow = { throttle: { limit: 1, per: '1h', key: '{{ trigger.host }}' } };
    await attune.rules.create({ name: 'throttled', pack: 'core', trigger: { type: 'core.event' }, action: { ref: 'core.noop' }, flow });
    for (let n = 0; n < 30; n++) await attune.emit('core.event', { host: 'web-1', n });
    await eventually('30 enforcements', async () => (await attune.rules.enforcements('core.throttled', { limit: 100 })).length === 30);
    const [made] = await attune.rules.enforcements('core.throttled', { status: 'created' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/#/rules`);
    await page.reload(); // the list as it is now, also when the last test left it open
    await page.locator('tr[data-ref="core.throttled"]').getByRole('link', { name: 'Enforcements' }).click();
    const rows = page.getByRole('table', { name: 'enforcements' }).locator('tbody tr');
    await rows.nth(24).waitFor();
    expect(await rows.first().locator('.status').textContent()).toBe('throttled');
    expect(await rows.first().locator('td').nth(3).textContent()).toBe('web-1');
    expect(await rows.first().locator('td.why').textContent()).toMatch(/^throttled: 1 enforcement\(s\) per 60m for key "web-1"/);
    expect(await page.locator(`tr[data-id="${made!.id}"]`).count()).toBe(0);
    await shot(page, 'rule-enforcements', true);
    await page.getByRole('button', { name: 'Older →' }).click();
    const created = page.locator(`tr[data-id="${made!.id}"]`);
    await created.locator('.status', { hasText: 'created' }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, 'rule-enforcements-phone');
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
    await created.getByRole('link', { name: `#${made!.execution_id}` }).click();
    await page.locator('h1', { hasText: 'core.noop' }).waitFor();
  });

  it('replays a dead letter', async () => {
    const { redis, catalog } = probe(attune);
    await redis.xadd(catalog.eventCreated.key, '*', 'hello', 'world');
    const [dead] = await eventually('the garbage is dead-lettered', async () => {
      const items = await attune.dlq.list();
      return items.length === 1 ? items : null;
    });
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('button', { name: `Replay ${dead!.id}` }).click();
    await page.locator(`tr[data-id="${dead!.id}"]`).waitFor({ state: 'detached' });
    // Back on its stream, the same garbage dies again: a new dead entry, and the old one is gone.
    const again = await eventually('the replayed entry is dead again', async () => {
      const items = await attune.dlq.list();
      return items.length === 1 && items[0]!.id !== dead!.id ? items[0] : null;
    });
    expect(again.origin).toBe(catalog.eventCreated.key);
    await page.reload();
    await page.locator(`tr[data-id="${again.id}"]`).waitFor();
    await shot(page, 'dead-letters');
    await page.getByRole('link', { name: 'Workers' }).click();
    await page.locator('td', { hasText: 'live' }).first().waitFor();
    await shot(page, 'workers');
    await page.getByRole('link', { name: 'Streams' }).click();
    await page.locator('td', { hasText: 'event.created' }).first().waitFor();
    await shot(page, 'streams');
  });

  it('asks for a key again, saying why, when the saved one is revoked', async () => {
    await page.goto(`${server.url}/#/executions`);
    await page.locator('tbody tr').first().waitFor();
    await attune.apiKeys.revoke(keyId);
    await page.reload();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/saved key was refused/);
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('attune.apiKey'))).toBeNull();
  });
});
