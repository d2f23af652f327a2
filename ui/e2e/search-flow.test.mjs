// End-to-end: pattern search → image → object box → inspector → find similar → graph, in headless
// Chromium against SIGHTGRAPH_URL or the fake API. Screenshots land in ui/test-results/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFakeApi } from './fake-api.mjs';
import { newPage, screenshot, useStackAndBrowser } from './support.mjs';

const MODEL_VERSION = /^[A-Za-z0-9._@+-]{1,128}$/;
const TIMEOUT = 20_000;

const under = useStackAndBrowser();

async function search(page, subject, object) {
  await page.goto(`${under.stack.url}/#/search`);
  await page.getByTestId('subject-label').fill(subject);
  await page.getByTestId('object-label').fill(object);
  await page.getByTestId('search-submit').click();
}

describe('the data scientist flow', () => {
  test('a person NEAR car search leads to the image, the inspector and similar objects', async () => {
    const { page, problems } = await newPage(under.chromium.context);
    page.setDefaultTimeout(TIMEOUT);

    // Search
    await search(page, 'person', 'car');
    const card = page.getByTestId('match-card').filter({ hasText: 'scenetext01' }).first();
    await card.waitFor();
    const expectedVersion = (await page.getByTestId('results-model-version').textContent()).trim();
    assert.match(expectedVersion, MODEL_VERSION, 'the results name a valid model version');
    assert.equal(await card.getByTestId('match-subject').innerText(), 'person');
    assert.equal(await card.getByTestId('match-object').innerText(), 'car');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=match-card] img')].every((i) => i.complete && i.naturalWidth > 0));
    await screenshot(page, '01-search-results');

    // Image view: one box per object, placed over the photo
    await card.getByTestId('match-open').click();
    await page.getByTestId('image-view').waitFor();
    await page.getByTestId('object-box').first().waitFor();
    const rows = await page.getByTestId('object-row').count();
    assert.equal(await page.getByTestId('object-box').count(), rows, 'one box per object in the table');
    const labels = await page.getByTestId('object-box').evaluateAll((els) => els.map((e) => e.dataset.label));
    assert.ok(labels.includes('person') && labels.includes('car'), `boxes for person and car, got ${labels}`);
    const geometry = await page.evaluate(() => {
      const img = document.querySelector('[data-testid=image-view] [data-testid=image]').getBoundingClientRect();
      return [...document.querySelectorAll('[data-testid=image-view] [data-testid=object-box] > rect')].map((r) => {
        const b = r.getBoundingClientRect();
        return { inside: b.left >= img.left - 2 && b.top >= img.top - 2 && b.right <= img.right + 2 && b.bottom <= img.bottom + 2 };
      });
    });
    assert.ok(geometry.every((g) => g.inside), 'every box lies within the displayed photo');

    // Click the car box; the inspector shows it
    await page.locator('[data-testid=object-box][data-label=car]').first().click();
    const inspector = page.getByTestId('node-inspector');
    await inspector.getByTestId('inspector-label').filter({ hasText: 'car' }).waitFor();
    assert.equal(await inspector.getByTestId('inspector-title').innerText(), 'car');
    assert.equal((await inspector.getByTestId('inspector-model-version').textContent()).trim(), expectedVersion);
    assert.ok(new URL(page.url()).hash.includes('node='), 'the selection is in the URL');
    await inspector.getByTestId('feature-sparkline').waitFor();
    const selectedId = (await inspector.getByTestId('inspector-id').textContent()).trim();
    assert.match(selectedId, /^[0-9a-f]{32}$/);

    // Copy id
    await inspector.getByTestId('copy-id').click();
    await inspector.getByTestId('copy-id').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), selectedId);
    await screenshot(page, '02-image-inspector');

    // Find similar, then follow the best one
    await inspector.getByTestId('find-similar').click();
    await inspector.getByTestId('similar-item').first().waitFor();
    const first = inspector.getByTestId('similar-item').first();
    const similarId = await first.getAttribute('data-object-id');
    assert.notEqual(similarId, selectedId, 'an object is not listed as similar to itself');
    await screenshot(page, '03-similar');
    await first.click();
    await page.waitForURL((u) => u.hash.includes(`node=${similarId}`));
    await inspector.getByTestId('inspector-id').filter({ hasText: similarId }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=image-view] [data-testid=image]')?.complete);
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid=object-box][data-object-id="${id}"]`)?.classList.contains('selected'),
      similarId,
    );
    await screenshot(page, '04-similar-opened');

    // Neighbourhood graph: click a node, see it inspected
    await inspector.getByTestId('explore').click();
    await page.getByTestId('graph-view').waitFor();
    await page.getByTestId('graph-canvas').waitFor();
    await page.waitForFunction(() => /\d+ nodes/.test(document.querySelector('[data-testid=graph-counts]')?.textContent ?? ''));
    const target = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=graph-canvas]');
      const node = el.__cy.nodes('.image').first();
      const box = el.getBoundingClientRect();
      const p = node.renderedPosition();
      return { id: node.id(), x: box.left + p.x, y: box.top + p.y };
    });
    await page.mouse.click(target.x, target.y);
    await inspector.getByTestId('inspector-id').filter({ hasText: target.id }).waitFor();
    assert.equal(await inspector.getByTestId('kind-badge').innerText(), 'Image');
    await screenshot(page, '05-graph');

    assert.deepEqual(problems, [], 'no page errors or console errors');
    await page.close();
  });

  test('a search without matches says so', async () => {
    const { page } = await newPage(under.chromium.context);
    page.setDefaultTimeout(TIMEOUT);
    await search(page, 'giraffe', 'toaster');
    await page.getByTestId('empty').waitFor();
    assert.match(await page.getByTestId('empty').innerText(), /No images match/);
    await screenshot(page, '06-search-empty');
    await page.close();
  });

  test('a backend failure shows an error with a retry', { skip: process.env.SIGHTGRAPH_URL ? 'fake API only' : false }, async () => {
    const { page } = await newPage(under.chromium.context);
    page.setDefaultTimeout(TIMEOUT);
    await search(page, 'error503', 'car');
    await page.getByTestId('error').waitFor();
    assert.match(await page.getByTestId('error').innerText(), /unavailable/i);
    await screenshot(page, '07-search-error');
    await page.close();
  });

  test('?api= sends every API call to another origin', { skip: process.env.SIGHTGRAPH_URL ? 'fake API only' : false }, async () => {
    const other = await startFakeApi();
    try {
      const { page } = await newPage(under.chromium.context);
      page.setDefaultTimeout(TIMEOUT);
      const hosts = new Set();
      page.on('request', (req) => {
        const url = new URL(req.url());
        if (/^\/(query|features|images|graph|similar)\//.test(url.pathname)) hosts.add(url.origin);
      });
      await page.goto(`${under.stack.url}/?api=${encodeURIComponent(other.url)}#/search?s=person&o=car`);
      await page.getByTestId('match-card').first().waitFor();
      assert.equal(await page.getByTestId('api-base').innerText(), `API: ${other.url}`);
      assert.deepEqual([...hosts], [other.url]);
      await page.close();
    } finally {
      await other.close();
    }
  });
});
