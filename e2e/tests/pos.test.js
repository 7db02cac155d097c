// The store counter (kasir toko) in a phone-sized headless chromium (360 px), against a fresh
// demo server: the cashier types a barcode (Enter adds it, twice makes two), finds the member
// by name (member price), pays cash and sees the receipt with the change; the day's list shows
// the sale; no page scrolls sideways.
//
// Assertions are on what a person sees (visible text, field values), the URL and the HTTP
// status, never on timing.

'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer, launchBrowser, phoneContext, signIn, layoutProblems, mainText, screenshot } = require('./helpers');

const KASIR = 'kasir.kspmlg@guyub.test';
const ANGGOTA = 'anggota.kspmlg@guyub.test';
// The demo's first coop sells its own goods with barcodes: product 3, first variant
// (see demo_barcode in crates/guyub/src/demo_market.rs).
const CODE = '8990000030003';

/** `Rp 1.250.000` → 1250000. */
const rupiah = (s) => Number(String(s).replace(/^Rp\s*/, '').replace(/\./g, ''));
/** 1250000 → `Rp 1.250.000`. */
const rp = (n) => `Rp ${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;

describe('The store counter on a phone', { timeout: 90_000 }, () => {
  let srv;
  let browser;
  let memberName;

  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
    memberName = /\((.+)\)$/.exec(srv.logins[ANGGOTA] || '')?.[1];
    assert.ok(memberName, `the demo prints the member's name: ${JSON.stringify(srv.logins[ANGGOTA])}`);
  });

  after(async () => {
    try { if (browser) await browser.close(); } catch { /* already gone */ }
    try { if (srv) await srv.stop(); } catch { /* already gone */ }
  });

  async function onPhone(fn) {
    const ctx = await phoneContext(browser, srv.baseUrl);
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (/Failed to load resource: the server responded with a status of (403|422)/.test(m.text())) return;
      if ((m.location().url || '').endsWith('/favicon.ico')) return;
      problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    try {
      await fn(page);
      assert.deepEqual(problems, [], 'no script errors');
      assert.deepEqual(ctx.offsite, [], 'no request left the test server');
    } finally {
      await ctx.close();
    }
  }

  const counterPath = () => `/k/${srv.kid}/toko`;

  /** Presses Enter in `selector` and waits for the counter's POST and the new page. */
  async function enterIn(page, selector) {
    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === counterPath()),
      page.locator(selector).press('Enter'),
    ]);
    await page.waitForLoadState('domcontentloaded');
    return post;
  }

  it('types a code, adds the member, pays cash and sees the receipt with the change', async () => {
    await onPhone(async (page) => {
      const landed = await signIn(page, KASIR);
      assert.equal(landed, `/k/${srv.kid}`);
      await page.locator('nav.coop').getByRole('link', { name: 'Toko', exact: true }).click();
      await page.waitForURL(`**${counterPath()}`);
      await page.getByRole('heading', { level: 1, name: 'Kasir toko' }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'kode', 'the code field has the focus');
      assert.deepEqual(await layoutProblems(page), [], 'the empty counter fits 360 px');

      // The barcode, then Enter: one line; again: the same line, two pieces.
      await page.locator('#kode').fill(CODE);
      let post = await enterIn(page, '#kode');
      assert.equal(post.status(), 200);
      const line = page.locator('li.pos-line');
      assert.equal(await line.count(), 1, await mainText(page));
      assert.equal(await page.locator('input[name="qty_0"]').inputValue(), '1');
      await page.locator('#kode').fill(CODE);
      post = await enterIn(page, '#kode');
      assert.equal(post.status(), 200);
      assert.equal(await line.count(), 1);
      assert.equal(await page.locator('input[name="qty_0"]').inputValue(), '2');
      const plain = rupiah(await page.locator('#pos-total').innerText());
      assert.ok(plain > 0, 'a total');

      // The member by name (Enter searches), picked: the member price applies.
      await page.locator('#cari_anggota').fill(memberName);
      post = await enterIn(page, '#cari_anggota');
      assert.equal(post.status(), 200);
      const hit = page.locator('button.pos-found', { hasText: memberName });
      assert.ok(await hit.count() >= 1, `the member is found: ${await mainText(page)}`);
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === counterPath()),
        hit.first().click(),
      ]);
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.locator('#pos-member').innerText(), new RegExp(memberName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      const total = rupiah(await page.locator('#pos-total').innerText());
      assert.ok(total > 0 && total <= plain, `the member pays at most the normal price (${total} vs ${plain})`);
      assert.deepEqual(await layoutProblems(page), [], 'the filled counter fits 360 px');
      await screenshot(page, 'pos-counter');

      // Cash: the total plus Rp 7.500 → Rp 7.500 change.
      await page.locator('#dibayar').fill(String(total + 7500));
      const [pay] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === counterPath()),
        page.locator('#pos-cash').click(),
      ]);
      assert.equal(pay.status(), 303, 'the sale redirects to its receipt');
      await page.waitForURL((u) => new RegExp(`^/k/${srv.kid}/toko/[0-9a-f-]{36}$`).test(u.pathname));
      const receipt = await mainText(page);
      assert.match(receipt, /STRUK PENJUALAN/);
      assert.match(receipt, /TK-\d{4}-\d{6}/);
      assert.equal((await page.locator('#receipt-total').innerText()).trim(), rp(total));
      assert.equal((await page.locator('#receipt-change').innerText()).trim(), 'Rp 7.500');
      assert.match(await page.locator('p.words').innerText(), /rupiah/i);
      assert.match(receipt, new RegExp(memberName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.deepEqual(await layoutProblems(page), [], 'the receipt fits 360 px');
      await screenshot(page, 'pos-receipt');

      // The day's list shows it; it fits too.
      const no = /TK-\d{4}-\d{6}/.exec(receipt)[0];
      const res = await page.goto(`${counterPath()}/hari-ini`);
      assert.equal(res.status(), 200);
      assert.match(await mainText(page), new RegExp(no));
      assert.deepEqual(await layoutProblems(page), [], 'the day list fits 360 px');
    });
  });
});
