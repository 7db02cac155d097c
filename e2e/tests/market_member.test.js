// Pasar and jasa anggota at phone size: a MEMBER of KSPMLG, signed in, buys from their own
// coop's storefront with QRIS; the coop's cashier confirms the payment; the purchase then shows
// on the member's own page as patronage (jasa anggota) of this fiscal year, with its order
// number; the coop's board sees the sale on the market dashboard. No page scrolls sideways.

'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const {
  startServer, launchBrowser, phoneContext, signIn, layoutProblems, mainText, screenshot, confirmQris,
} = require('./helpers');

describe('Pasar: a member\'s purchase becomes their jasa anggota', { timeout: 240_000 }, () => {
  let srv;
  let browser;
  let ctx;
  let member;
  const layout = new Map();
  const seen = {};

  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
    ctx = await phoneContext(browser, srv.baseUrl);
    member = await ctx.newPage();
  });

  after(async () => {
    try { if (ctx) await ctx.close(); } catch { /* already gone */ }
    try { if (browser) await browser.close(); } catch { /* already gone */ }
    try { if (srv) await srv.stop(); } catch { /* already gone */ }
  });

  async function check(page, name) {
    const p = await layoutProblems(page);
    if (p.length) layout.set(name, p);
    await screenshot(page, name);
  }

  it('the member signs in and sees no patronage yet', async () => {
    seen.home = await signIn(member, 'anggota.kspmlg@guyub.test');
    assert.match(seen.home, /^\/k\/[^/]+\/anggota\/[^/]+$/, 'a member lands on their own page');
    await member.goto(seen.home);
    assert.ok(await member.locator('#member-patronage').count() === 1, 'the jasa anggota section is there');
    seen.before = (await member.locator('#patronage-total').innerText()).trim();
  });

  it('buys a product of their own coop with QRIS', async () => {
    await member.goto('/pasar/k/kspmlg');
    const links = await member.locator('#pasar-cards li a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.length > 0, 'the storefront lists products');
    let added = false;
    for (const href of links) {
      await member.goto(href);
      if (await member.locator('#add-to-cart').count() === 0) continue;
      await member.locator('#add-to-cart button[type=submit]').click();
      await member.waitForURL((u) => u.pathname === '/pasar/keranjang');
      added = true;
      break;
    }
    assert.ok(added, 'a product could be added');
    await member.locator('#to-checkout').click();
    await member.waitForURL((u) => u.pathname === '/pasar/bayar');
    await member.locator('#name').fill('Anggota KSPMLG');
    await member.locator('#phone').fill('081234567891');
    if (await member.locator('#alamat').count() > 0) await member.locator('#alamat').fill('Jl. Ijen 5, Malang');
    await member.locator('input[name=bayar][value=qris]').check();
    await member.locator('#place-order').click();
    await member.waitForURL((u) => u.pathname.startsWith('/pasar/pesanan/'));
    const orders = await member.locator('section.order').evaluateAll((s) => s.map((e) => e.id.replace(/^order-/, '')));
    assert.equal(orders.length, 1);
    seen.order = orders[0];
    seen.ref = (await member.locator('#payment-ref').innerText()).trim();
  });

  it('the cashier of the /pasar operator confirms the QRIS payment', async () => {
    const payee = await confirmQris(browser, srv.baseUrl, ['puskopjtm', 'kspmlg'], seen.ref, 'RRN445566778');
    assert.equal(payee, 'puskopjtm');
  });

  it('the purchase shows on the member\'s own page as jasa anggota', async () => {
    await member.goto(seen.home);
    await check(member, 'member-patronage');
    const section = member.locator('#member-patronage');
    const text = (await section.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Jasa anggota \(transaksi di koperasi\)/);
    assert.ok(text.includes(seen.order), `the order ${seen.order} is listed`);
    const total = (await member.locator('#patronage-total').innerText()).trim();
    assert.notEqual(total, seen.before, 'the total grew');
    assert.match(total, /^Rp [1-9]/);
    // Scroll the section into view for the screenshot of the guide.
    await section.scrollIntoViewIfNeeded();
  });

  it('the board sees the sale on the market dashboard', async () => {
    const c3 = await phoneContext(browser, srv.baseUrl);
    const page = await c3.newPage();
    try {
      await signIn(page, 'pengurus.kspmlg@guyub.test');
      await page.goto(`/k/${srv.kid}/pasar/dasbor`);
      await check(page, 'pasar-dashboard');
      assert.match((await page.locator('#dash-gross').innerText()).trim(), /^Rp [1-9]/);
      assert.ok(Number((await page.locator('#dash-orders').innerText()).trim()) >= 1);
      // The orders file downloads with the period in its name.
      const res = await page.request.get(await page.locator('#dl-orders').getAttribute('href'));
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-disposition'], /pesanan-kspmlg-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.xlsx/);
    } finally {
      await c3.close();
    }
  });

  it('no page scrolls sideways at 360 px', () => {
    assert.deepEqual(Object.fromEntries(layout), {});
  });
});
