// Benchmark of issue #5's page target: a public product page transfers under 60 KB (HTML
// and CSS, photos aside) and is usable in under 2 s on a slow-3G connection with a 4× slower
// CPU. Not a test: it prints medians for docs/BENCHMARKS.md.
//
//   GUYUB_BIN=../target/release/guyub node bench/product_page.js [runs]
//
// Slow 3G is Chrome DevTools' preset (also what Lighthouse and most Playwright set-ups use):
// 400 ms round trip, 400 kbit/s down and up. The CPU is slowed 4× with
// Emulation.setCPUThrottlingRate. Every run is a fresh browser context: no cache, no cookies.
// "Usable" is measured three ways: first contentful paint, DOMContentLoaded (HTML parsed,
// CSS applied, the buy form there), and the moment the buy button is visible.

'use strict';

const { startServer, launchBrowser, PHONE } = require('../tests/helpers');

const SLOW_3G = { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 };
const runs = Number(process.argv[2] || 15);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

async function main() {
  const server = await startServer({ members: 200 });
  const browser = await launchBrowser();
  try {
    // A curated product of the demo, found as a buyer finds it.
    const list = await (await fetch(`${server.baseUrl}/pasar?q=keripik`)).text();
    const m = /href="(\/pasar\/p\/[^"]+|\/k\/[^"]+\/pasar\/p\/[^"]+)"/.exec(list)
      || /<li[^>]*>\s*<a href="([^"]+)"/.exec(list);
    if (!m) throw new Error('no product link on /pasar?q=keripik');
    const url = m[1];
    console.log(`# product page benchmark: ${url}, ${runs} runs, slow 3G + 4x CPU, 360x740 phone`);
    const rows = [];
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ ...PHONE, baseURL: server.baseUrl });
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const types = new Map();
      const bytes = { page: 0, images: 0 };
      cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
      cdp.on('Network.loadingFinished', (e) => {
        const t = types.get(e.requestId);
        if (t === 'Image') bytes.images += e.encodedDataLength;
        else bytes.page += e.encodedDataLength;
      });
      const t0 = Date.now();
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('#add-to-cart button[type=submit]').waitFor({ state: 'visible', timeout: 60_000 });
      const buttonAt = Date.now() - t0;
      await page.waitForLoadState('load', { timeout: 60_000 });
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: fcp ? fcp.startTime : NaN };
      });
      rows.push({ ...nav, button: buttonAt, page: bytes.page, images: bytes.images });
      await ctx.close();
    }
    const col = (k) => rows.map((r) => r[k]);
    const ms = (x) => `${Math.round(x)} ms`;
    console.log('| measure | median | p95 |');
    console.log('|---|---|---|');
    console.log(`| first contentful paint | ${ms(median(col('fcp')))} | ${ms(p95(col('fcp')))} |`);
    console.log(`| DOMContentLoaded | ${ms(median(col('dcl')))} | ${ms(p95(col('dcl')))} |`);
    console.log(`| buy button visible (from goto) | ${ms(median(col('button')))} | ${ms(p95(col('button')))} |`);
    console.log(`| load (with lazy photos in view) | ${ms(median(col('load')))} | ${ms(p95(col('load')))} |`);
    console.log(`| transferred, HTML + CSS + scripts | ${(median(col('page')) / 1024).toFixed(1)} KB | ${(p95(col('page')) / 1024).toFixed(1)} KB |`);
    console.log(`| transferred, photos | ${(median(col('images')) / 1024).toFixed(1)} KB | ${(p95(col('images')) / 1024).toFixed(1)} KB |`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
