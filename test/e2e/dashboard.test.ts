/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the key is entered once; an action run from the UI shows its output line by line while it runs;
 * a running one is canceled; the list catches up after its feed reconnects; a rule is disabled; a
 * dead letter is replayed.
 * `DASHBOARD_SCREENSHOTS=1` also writes the pages to docs/img/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { defaultWebDir, startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shots = process.env.DASHBOARD_SCREENSHOTS === '1';
const shot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: `${root}docs/img/${name}.png` });
};

describe('dashboard in headless Chromium', () => {
  let attune: Attune;
  let server: HttpServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(`${defaultWebDir}/index.html`)) execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'ignore' });
    attune = await testAttune('dashboard', { consumer: { blockMs: 200 } });
    await attune.packs.load(corePackDir);
    // No sensor actor: the timer rule stays enabled but never fires, so the lists hold only what the test does.
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
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
  });

  it('asks for the key once and keeps it', async () => {
    const { key } = await attune.apiKeys.create('operator', 'dashboard test');
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
});
