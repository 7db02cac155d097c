// The cashier (kasir) counter in a phone-sized headless chromium, against a fresh demo server:
// deposits and the printed receipt, refused amounts, a double submit, and who may open it.
//
// Assertions are on what a person sees (visible text, field values), the URL and the HTTP
// status, never on timing.

'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer, launchBrowser, phoneContext, signIn, mainText, screenshot } = require('./helpers');

const KASIR = 'kasir.kspmlg@guyub.test';
const PENGAWAS = 'pengawas.kspmlg@guyub.test';
const ANGGOTA = 'anggota.kspmlg@guyub.test';

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `Rp 1.250.000` → 1250000. */
const rupiah = (s) => Number(String(s).replace(/^Rp\s*/, '').replace(/\./g, ''));
/** 1250000 → `Rp 1.250.000`. */
const rp = (n) => `Rp ${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;

describe('The cashier counter on a phone', { timeout: 60_000 }, () => {
  let srv;
  let browser;
  // The member served at the counter (the demo's own member login, so the name is known).
  let memberName;
  let memberId;

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

  /**
   * Runs `fn(page)` in a fresh phone context, then checks that the page raised no script
   * error and that nothing left 127.0.0.1. The context is closed in any case.
   */
  async function onPhone(fn) {
    const ctx = await phoneContext(browser, srv.baseUrl);
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // A 403 or 422 page logs "Failed to load resource" by design; there is no favicon.
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

  const pathOf = (page) => new URL(page.url()).pathname;
  const counterPath = () => `/k/${srv.kid}/kasir/${memberId}`;
  /** The counter form itself (not the header's sign-out form). */
  const counterForm = (page) => page.locator(`main form[action="${counterPath()}"]`);
  const submitButton = (page) => counterForm(page).getByRole('button', { name: 'Simpan dan cetak kuitansi', exact: true });
  /** The fieldset of a savings product, by the start of its legend. */
  const fieldset = (page, product) => counterForm(page).locator('fieldset', {
    has: page.locator('legend', { hasText: new RegExp(`^\\s*${esc(product)}\\b`) }),
  });
  const depositInput = (page, product) => fieldset(page, product).locator('input[name^="dep_"]');
  const withdrawInput = (page, product) => fieldset(page, product).locator('input[name^="wd_"]');
  /** The product id, from the name of its deposit input (`dep_<id>`). */
  const productId = async (page, product) => (await depositInput(page, product).getAttribute('name')).slice(4);

  /** The balances the counter shows, by product name: {"Simpanan pokok": 100000, …}. */
  async function balances(page) {
    const legends = await counterForm(page).locator('fieldset legend').allInnerTexts();
    const out = {};
    for (const l of legends) {
      const m = /^\s*(.+?)\s*·\s*saldo\s+(Rp\s*[\d.]+)\s*$/.exec(l);
      assert.ok(m, `legend "${l}" reads "<product> · saldo Rp …"`);
      out[m[1]] = rupiah(m[2]);
    }
    return out;
  }

  /** Opens the counter of the member (fresh GET: a fresh form) and returns its balances. */
  async function openCounter(page) {
    const res = await page.goto(counterPath());
    assert.equal(res.status(), 200, counterPath());
    await submitButton(page).waitFor();
    return balances(page);
  }

  /** Submits the counter form with its own button; returns the POST's response. */
  async function submitCounter(page) {
    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === counterPath()),
      submitButton(page).click(),
    ]);
    await page.waitForLoadState('domcontentloaded');
    return post;
  }

  /** The rows of the member's passbook for one product. */
  async function passbookRows(page, pid) {
    const url = `/k/${srv.kid}/anggota/${memberId}/simpanan?produk=${pid}`;
    const res = await page.goto(url);
    assert.equal(res.status(), 200, url);
    await page.getByRole('heading', { level: 1, name: 'Buku simpanan' }).waitFor();
    return page.locator('table tbody tr').allInnerTexts();
  }

  it('(a) the kasir finds a member, takes two deposits and prints the receipt', async () => {
    await onPhone(async (page) => {
      const landed = await signIn(page, KASIR);
      assert.equal(landed, `/k/${srv.kid}`);
      await page.locator('nav.coop').getByRole('link', { name: 'Kasir', exact: true }).click();
      await page.waitForURL(`**/k/${srv.kid}/kasir`);
      await page.getByRole('heading', { level: 1, name: 'Kasir' }).waitFor();

      // Search by name: the form's own "Cari" button.
      await page.locator('#q').fill(memberName);
      await page.locator('main form.search').getByRole('button', { name: 'Cari', exact: true }).click();
      await page.waitForURL((u) => u.pathname === `/k/${srv.kid}/kasir` && u.searchParams.get('q') === memberName);
      const hit = page.locator('ul.pick a', { hasText: memberName });
      assert.equal(await hit.count(), 1, `one hit for ${memberName}: ${await page.locator('ul.pick').innerText()}`);
      await hit.click();
      await page.waitForURL((u) => /^\/k\/[^/]+\/kasir\/[^/]+$/.test(u.pathname));
      memberId = pathOf(page).split('/').pop();
      assert.equal(await page.locator('h1').innerText(), memberName);

      // The balances per product.
      const before = await balances(page);
      for (const p of ['Simpanan pokok', 'Simpanan wajib', 'Simpanan sukarela']) {
        assert.ok(p in before, `a fieldset for ${p}: ${JSON.stringify(before)}`);
        assert.ok(await fieldset(page, p).isVisible(), `${p} is visible`);
      }
      assert.equal(await withdrawInput(page, 'Simpanan sukarela').count(), 1, 'sukarela can be withdrawn');
      assert.equal(await withdrawInput(page, 'Simpanan pokok').count(), 0, 'pokok cannot be withdrawn');

      await depositInput(page, 'Simpanan wajib').fill('75.000');
      await depositInput(page, 'Simpanan sukarela').fill('50.000');
      await screenshot(page, 'cashier-counter');
      const post = await submitCounter(page);
      assert.equal(post.status(), 303, 'the counter redirects to the receipt');
      await page.waitForURL((u) => /^\/k\/[^/]+\/kuitansi\/[^/]+$/.test(u.pathname));
      assert.ok(pathOf(page).startsWith(`/k/${srv.kid}/kuitansi/`), pathOf(page));

      const receipt = await mainText(page);
      assert.match(receipt, /KUITANSI/);
      const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Jakarta', year: 'numeric' }).format(new Date());
      const no = /KW-(\d{4})-(\d{6})/.exec(receipt);
      assert.ok(no, `a receipt number KW-YYYY-NNNNNN in: ${receipt}`);
      assert.equal(no[1], year, 'the receipt number carries this year');
      assert.match(await page.title(), new RegExp(`^${no[0]} · Guyub$`));
      assert.match(receipt, new RegExp(esc(memberName)));
      assert.match(receipt, /Simpanan wajib.*Rp 75\.000/);
      assert.match(receipt, /Simpanan sukarela.*Rp 50\.000/);
      assert.equal((await page.locator('tr.total td').innerText()).trim(), 'Rp 125.000');
      assert.match(await page.locator('p.words').innerText(), /seratus dua puluh lima ribu rupiah/i);
      await screenshot(page, 'cashier-receipt-a6');

      // A6 by default; the "58 mm" link switches to the thermal-printer size.
      assert.equal(await page.locator('body').getAttribute('class'), 'a6');
      const receiptPath = pathOf(page);
      await page.getByRole('link', { name: '58 mm', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('ukuran') === '58');
      assert.equal(pathOf(page), receiptPath);
      assert.equal(await page.locator('body').getAttribute('class'), 'r58');
      const width = await page.locator('main.receipt').evaluate((e) => e.getBoundingClientRect().width);
      assert.ok(width < 250, `a 58 mm receipt is narrow (${width}px)`);

      // Back to the counter: the balances grew by what was paid.
      await page.getByRole('link', { name: 'Kembali ke kasir', exact: true }).click();
      await page.waitForURL(`**${counterPath()}`);
      const after = await balances(page);
      assert.equal(after['Simpanan sukarela'], before['Simpanan sukarela'] + 50_000);
      assert.equal(after['Simpanan wajib'], before['Simpanan wajib'] + 75_000);
      assert.equal(after['Simpanan pokok'], before['Simpanan pokok']);
      assert.equal(await depositInput(page, 'Simpanan sukarela').inputValue(), '', 'a fresh, empty form');
    });
  });

  it('(b) an amount with sen ("10.000,50") is refused with a message and nothing is posted', async () => {
    assert.ok(memberId, 'test (a) found the member');
    await onPhone(async (page) => {
      await signIn(page, KASIR);
      const before = await openCounter(page);
      const pid = await productId(page, 'Simpanan sukarela');
      const rowsBefore = await passbookRows(page, pid);
      await openCounter(page);

      // A valid wajib amount next to the bad one: the whole form is refused, not half of it.
      await depositInput(page, 'Simpanan wajib').fill('25.000');
      await depositInput(page, 'Simpanan sukarela').fill('10.000,50');
      const post = await submitCounter(page);
      assert.equal(post.status(), 422);
      assert.equal(pathOf(page), counterPath());
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.ok(await alert.isVisible(), 'the message is visible');
      const msg = (await alert.innerText()).trim();
      assert.match(msg, /tanpa sen/, `the message explains rupiah have no sen: "${msg}"`);
      // What was typed stays in the form.
      assert.equal(await depositInput(page, 'Simpanan sukarela').inputValue(), '10.000,50');
      assert.equal(await depositInput(page, 'Simpanan wajib').inputValue(), '25.000');

      assert.deepEqual(await openCounter(page), before, `balances unchanged after "${msg}"`);
      assert.deepEqual(await passbookRows(page, pid), rowsBefore, 'no new passbook row');
    });
  });

  it('(c) a withdrawal larger than the sukarela balance is refused, naming the balance', async () => {
    assert.ok(memberId, 'test (a) found the member');
    await onPhone(async (page) => {
      await signIn(page, KASIR);
      const before = await openCounter(page);
      const balance = before['Simpanan sukarela'];
      assert.ok(balance > 0, 'test (a) left something to withdraw');
      const tooMuch = balance + 10_000;
      await withdrawInput(page, 'Simpanan sukarela').fill(rp(tooMuch).slice(3));
      const post = await submitCounter(page);
      assert.equal(post.status(), 422);
      assert.equal(pathOf(page), counterPath());
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.ok(await alert.isVisible(), 'the message is visible');
      const msg = await alert.innerText();
      assert.match(msg, new RegExp(esc(rp(balance))), `the message names the balance ${rp(balance)}: "${msg}"`);
      assert.equal(await withdrawInput(page, 'Simpanan sukarela').inputValue(), rp(tooMuch).slice(3));
      assert.deepEqual(await openCounter(page), before, 'balances unchanged');
    });
  });

  it('(d) the same counter form submitted twice posts once', async () => {
    assert.ok(memberId, 'test (a) found the member');
    await onPhone(async (page) => {
      await signIn(page, KASIR);
      await openCounter(page);
      const pid = await productId(page, 'Simpanan sukarela');
      const rowsBefore = await passbookRows(page, pid);

      // Twice at once: both requests carry the same form (and its one-time key).
      let before = await openCounter(page);
      await depositInput(page, 'Simpanan sukarela').fill('33.000');
      const twice = await counterForm(page).evaluate(async (f) => {
        const send = () => fetch(f.action, { method: 'POST', body: new URLSearchParams(new FormData(f)) })
          .then((r) => ({ status: r.status, url: new URL(r.url).pathname }));
        return Promise.all([send(), send()]);
      });
      for (const r of twice) {
        assert.equal(r.status, 200, `each submit ends on a page: ${JSON.stringify(twice)}`);
        assert.match(r.url, new RegExp(`^/k/${srv.kid}/kuitansi/`), JSON.stringify(twice));
      }
      assert.equal(twice[0].url, twice[1].url, `both submits show the same receipt: ${JSON.stringify(twice)}`);
      let after = await openCounter(page);
      assert.equal(after['Simpanan sukarela'], before['Simpanan sukarela'] + 33_000, 'posted once');

      // The form submitted, then submitted again from the same page (the button pressed
      // twice before the receipt shows; or "back" to a page still holding the old form).
      before = after;
      await depositInput(page, 'Simpanan sukarela').fill('44.000');
      const again = await counterForm(page).evaluate((f) => {
        const b = new URLSearchParams(new FormData(f));
        return fetch(f.action, { method: 'POST', body: b })
          .then((r) => new URL(r.url).pathname);
      });
      assert.match(again, new RegExp(`^/k/${srv.kid}/kuitansi/`));
      const post = await submitCounter(page);
      assert.ok([200, 303].includes(post.status()), `the resubmit answered ${post.status()}`);
      await page.waitForURL((u) => u.pathname.startsWith(`/k/${srv.kid}/kuitansi/`));
      assert.equal(pathOf(page), again, 'the resubmit shows the first receipt');
      assert.equal((await page.locator('tr.total td').innerText()).trim(), 'Rp 44.000');
      after = await openCounter(page);
      assert.equal(after['Simpanan sukarela'], before['Simpanan sukarela'] + 44_000, 'posted once');

      // The passbook: one row per deposit, not two.
      const rows = await passbookRows(page, pid);
      assert.equal(rows.length, rowsBefore.length + 2, `two new rows: ${JSON.stringify(rows)}`);
      assert.equal(rows.filter((r) => /Rp 33\.000/.test(r)).length, 1, JSON.stringify(rows));
      assert.equal(rows.filter((r) => /Rp 44\.000/.test(r)).length, 1, JSON.stringify(rows));
      assert.deepEqual(rows.slice(0, rowsBefore.length), rowsBefore, 'the older rows stay as they were');
    });
  });

  it('(e) the pengawas is refused the cashier counter', async () => {
    await onPhone(async (page) => {
      await signIn(page, PENGAWAS);
      assert.equal(await page.locator('nav.coop').getByRole('link', { name: 'Kasir', exact: true }).count(), 0,
        'no Kasir link for the pengawas');
      for (const url of [`/k/${srv.kid}/kasir`, `/k/${srv.kid}/kasir?q=${encodeURIComponent(memberName)}`]
        .concat(memberId ? [counterPath()] : [])) {
        const res = await page.goto(url);
        assert.equal(res.status(), 403, url);
        assert.equal(await page.locator('h1').innerText(), 'Akses ditolak', url);
        assert.equal(await page.title(), 'Akses ditolak · Guyub', url);
        assert.ok(await page.getByRole('alert').isVisible(), `${url}: the reason is shown`);
        assert.equal(await page.getByRole('button', { name: 'Simpan dan cetak kuitansi' }).count(), 0, url);
      }
    });
  });
});
