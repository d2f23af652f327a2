// End-to-end: the versions page in headless Chromium, against the fake API or the real local stack
// that scripts/ui/stack-e2e.sh prepares (the fixture photos, plus a second model version backfilled
// over part of them; SIGHTGRAPH_E2E_* name what it did). Screenshots land in ui/test-results/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFixtures, FAKE_ACTOR, FAKE_ADMIN_TOKEN, MODEL_VERSION, NEW_VERSION } from './fake-api.mjs';
import { newPage, screenshot, useStackAndBrowser } from './support.mjs';

const TIMEOUT = 20_000;
const env = process.env;
const REAL = ['SIGHTGRAPH_E2E_ADMIN_TOKEN', 'SIGHTGRAPH_E2E_VERSION', 'SIGHTGRAPH_E2E_NEW_VERSION', 'SIGHTGRAPH_E2E_IMAGES', 'SIGHTGRAPH_E2E_NEW_IMAGES'];
const skipReal = env.SIGHTGRAPH_URL && REAL.some((k) => !env[k])
  ? `a real stack needs ${REAL.join(', ')} (scripts/ui/stack-e2e.sh sets them)`
  : false;

/** What the page must show: the fake's canned state, or what stack-e2e.sh put in the real graph. */
function expectations() {
  if (!env.SIGHTGRAPH_URL) {
    const images = buildFixtures().images.size;
    return { token: FAKE_ADMIN_TOKEN, actor: FAKE_ACTOR, active: MODEL_VERSION, next: NEW_VERSION, images, nextImages: 1, runState: 'running' };
  }
  return {
    token: env.SIGHTGRAPH_E2E_ADMIN_TOKEN,
    actor: env.SIGHTGRAPH_E2E_ACTOR ?? 'ui-e2e',
    active: env.SIGHTGRAPH_E2E_VERSION,
    next: env.SIGHTGRAPH_E2E_NEW_VERSION,
    images: Number(env.SIGHTGRAPH_E2E_IMAGES),
    nextImages: Number(env.SIGHTGRAPH_E2E_NEW_IMAGES),
    runState: 'complete',
  };
}

const pct = (a, b) => `${((a * 100) / b).toFixed(1)}%`;
const coverage = (a, b) => `${a} / ${b} image${b === 1 ? '' : 's'} (${pct(a, b)})`;
const row = (page, version) => page.locator(`[data-testid=version-row][data-version="${version}"]`);
// NB: Chromium reports every 4xx answer as a console error; the refusals here are expected.
const expectedRefusal = (p) => /status of (401|409)/.test(p);

const under = useStackAndBrowser();

describe('the versions page', () => {
  test('shows coverage, refuses a wrong token and a low-coverage activation, forces it, rolls back, and compares', { skip: skipReal }, async () => {
    const x = expectations();
    const { page, problems } = await newPage(under.chromium.context);
    page.setDefaultTimeout(TIMEOUT);

    // From the header to the versions page: each version with its coverage from the graph
    await page.goto(`${under.stack.url}/#/search`);
    await page.getByTestId('nav-versions').click();
    await row(page, x.next).waitFor();
    assert.equal(await row(page, x.active).getAttribute('data-active'), 'true', `${x.active} is the active version`);
    assert.equal(await row(page, x.next).getAttribute('data-active'), 'false');
    assert.equal((await row(page, x.active).getByTestId('coverage-text').innerText()).trim(), coverage(x.images, x.images));
    assert.equal((await row(page, x.next).getByTestId('coverage-text').innerText()).trim(), coverage(x.nextImages, x.images));
    await page.getByTestId('backfills-need-token').waitFor();
    await screenshot(page, '11-versions');

    // Activate asks for the token; a wrong one is refused with the server's words
    await row(page, x.next).getByTestId('activate').click();
    const confirm = page.getByTestId('confirm-action');
    await confirm.getByTestId('token-input').fill('not-the-admin-token-0000');
    await confirm.getByTestId('token-submit').click();
    await confirm.getByTestId('action-error').filter({ hasText: 'refused the admin token' }).waitFor();
    assert.match(await confirm.getByTestId('action-error').innerText(), /wrong bearer token/);
    await screenshot(page, '12-versions-wrong-token');

    // The right token: refused for its coverage, then forced
    await confirm.getByTestId('token-input').fill(x.token);
    await confirm.getByTestId('token-submit').click();
    await confirm.getByTestId('action-error').filter({ hasText: 'Refused:' }).waitFor();
    const refusal = await confirm.getByTestId('action-error').innerText();
    assert.ok(refusal.includes(`covers ${x.nextImages}/${x.images} images`), `the refusal names the coverage: ${refusal}`);
    await screenshot(page, '13-versions-coverage-refused');
    await confirm.getByTestId('confirm-force').click();
    await page.getByTestId('action-notice').waitFor();
    assert.equal(
      await page.getByTestId('action-notice').innerText(),
      `${x.next} is now active in default (switched by ${x.actor} at ${pct(x.nextImages, x.images)} coverage).`,
    );
    await page.locator(`[data-testid=version-row][data-version="${x.next}"][data-active=true]`).waitFor();

    // Roll back to the version before (the token is remembered in the page)
    await page.getByTestId('rollback').click();
    await page.getByTestId('confirm-title').filter({ hasText: `back to ${x.active}` }).waitFor();
    await page.getByTestId('confirm-submit').click();
    await page.getByTestId('action-notice').filter({ hasText: `${x.active} is now active` }).waitFor();
    await page.locator(`[data-testid=version-row][data-version="${x.active}"][data-active=true]`).waitFor();
    await page.getByTestId('history').locator('summary').click();
    assert.ok((await page.getByTestId('history-row').count()) >= 3, 'the audit trail has the bootstrap, the forced switch and the rollback');
    assert.match(await page.getByTestId('history-row').nth(1).innerText(), new RegExp(`${x.actor}[\\s\\S]*${pct(x.nextImages, x.images).replace('.', '\\.')}`));

    // The backfill of the new version, with the graph's coverage of it
    const run = page.locator(`[data-testid=backfill-run][data-version="${x.next}"]`);
    await run.waitFor();
    assert.equal(await run.getAttribute('data-state'), x.runState);
    assert.equal(await run.getByTestId('backfill-coverage').innerText(), `graph: ${coverage(x.nextImages, x.images)}`);
    await screenshot(page, '14-versions-rolled-back');

    // The comparison report as tables
    await page.getByTestId('compare-submit').click();
    const report = page.getByTestId('compare-report');
    await report.waitFor();
    assert.equal(await report.getByTestId('compare-from').innerText(), x.active);
    assert.equal(await report.getByTestId('compare-to').innerText(), x.next);
    const totals = await report.getByTestId('compare-totals').innerText();
    assert.match(totals, new RegExp(`Images compared\\s+${x.nextImages}\\b`));
    const labels = await report.getByTestId('compare-label-row').evaluateAll((rows) => rows.map((r) => r.dataset.label));
    assert.ok(labels.includes('dog') && labels.includes('car'), `labels of dog.jpg in the report: ${labels}`);
    const drift = await report.locator('[data-testid=compare-label-row][data-label=car] [data-testid=label-drift]').innerText();
    assert.match(drift, /^0\.\d{4}$/, 'a matched car has an embedding drift');
    const changes = await report.getByTestId('compare-change-row').evaluateAll((rows) => rows.map((r) => Number(r.lastElementChild.textContent)));
    const changed = Number(/Label changes\s+(\d+)/.exec(totals)?.[1]);
    assert.equal(changes.reduce((a, b) => a + b, 0), changed, 'the label-change rows add up to the total');
    await screenshot(page, '15-versions-compare');

    // Forgetting the token hides the admin data again
    await page.getByTestId('token-forget').click();
    await page.getByTestId('backfills-need-token').waitFor();

    assert.deepEqual(problems.filter((p) => !expectedRefusal(p)), [], 'no page errors or console errors');
    await page.close();
  });
});
