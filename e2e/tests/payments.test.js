// Payment requests (tagihan) and statements in a phone-sized headless chromium, against a
// fresh demo server: a request made at the cashier counter and paid through the payer's own
// link, a refused confirmation, a QRIS settlement report imported, reviewed and settled, a
// bank statement whose lines a person decides, the list and a cancellation.
//
// Assertions are on what a person sees (visible text, field values), the URL and the HTTP
// status. The one wait on time is the payer's page reloading itself (every 5 s) after the
// payment is confirmed.

'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const {
  startServer, launchBrowser, phoneContext, signIn, homeOf, screenshot, layoutProblems, mainText,
} = require('./helpers');

const KASIR = 'kasir.kspmlg@guyub.test';
const PENGURUS = 'pengurus.kspmlg@guyub.test';
const ANGGOTA = 'anggota.kspmlg@guyub.test';

/** A valid static QRIS (DANA, merchant "Conweb", Kota Palembang). */
const STATIC_QRIS = '00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12';
const BANK = { name: 'Bank Jatim', number: '0011223344', holder: 'KSP Arta Mandiri Malang' };

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `Rp 1.250.000` → 1250000. */
const rupiah = (s) => Number(String(s).trim().replace(/^Rp\s*/, '').replace(/\./g, ''));
/** 1250000 → `Rp 1.250.000`. */
const rp = (n) => `Rp ${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
/** Collapsed whitespace. */
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

/** The coop's wall clock (WIB) at `d`, as statements write it: `2026-11-30 14:03:22`. */
function wib(d = new Date()) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Minutes of the day of a shown time `… 14.03 WIB`. */
const minuteOfDay = (s) => {
  const m = /(\d{2})\.(\d{2}) WIB$/.exec(s.trim());
  assert.ok(m, `a time "HH.MM WIB" at the end of "${s}"`);
  return Number(m[1]) * 60 + Number(m[2]);
};

describe('Payment requests and statements on a phone', { timeout: 180_000 }, () => {
  let srv;
  let browser;
  let memberName;
  let memberId;

  // Content-Security-Policy refusals and sideways overflow seen on the payment pages, by page
  // (checked by the last tests).
  const cspViolations = new Map();
  const layout = new Map();
  const tables = new Map();

  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
    memberName = /\((.+)\)$/.exec(srv.logins[ANGGOTA] || '')?.[1];
    assert.ok(memberName, `the demo prints the member's name: ${JSON.stringify(srv.logins[ANGGOTA])}`);
    const home = await homeOf(srv.baseUrl, ANGGOTA);
    memberId = /^\/k\/[^/]+\/anggota\/([^/?#]+)$/.exec(home)?.[1];
    assert.ok(memberId, `the member lands on their own page: ${home}`);
  });

  after(async () => {
    try { if (browser) await browser.close(); } catch { /* already gone */ }
    try { if (srv) await srv.stop(); } catch { /* already gone */ }
  });

  const where = (page) => new URL(page.url()).pathname
    .replace(/\/bayar\/[^/]+/, '/bayar/{token}')
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}');

  /**
   * Runs `fn(page, ctx)` in a fresh phone context (signed in as `who`, unless null), then
   * checks that the page raised no script error and that nothing left 127.0.0.1. CSP
   * refusals are collected apart, for their own test. The context is closed in any case.
   */
  async function onPhone(who, fn) {
    const ctx = await phoneContext(browser, srv.baseUrl);
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (/Content Security Policy/.test(m.text())) {
        const what = /^(Refused to [^.']*|Applying [^.']*?) (?:violates|because)/.exec(m.text())?.[1] || m.text().slice(0, 80);
        const list = cspViolations.get(where(page)) || new Set();
        list.add(what);
        cspViolations.set(where(page), list);
      // A refused form answers 4xx and logs "Failed to load resource" by design; no favicon.
      } else if (!/Failed to load resource: the server responded with a status of (403|404|409|422)/.test(m.text())
        && !(m.location().url || '').endsWith('/favicon.ico')) {
        problems.push(`console error on ${where(page)}: ${m.text()}`);
      }
    });
    try {
      if (who) await signIn(page, who);
      await fn(page, ctx);
      assert.deepEqual(problems, [], 'no script errors');
      assert.deepEqual(ctx.offsite, [], 'no request left the test server');
    } finally {
      await ctx.close();
    }
  }

  /** Notes what sticks out sideways on this page (checked by the last test), then screenshots it. */
  async function shot(page, name) {
    const key = name ? `${name} (${where(page)})` : where(page);
    const p = await layoutProblems(page);
    if (p.length) layout.set(key, p);
    // A table in a sideways-scrolling box does not break the page, but its last columns are
    // out of sight until the box is scrolled.
    const t = await page.evaluate(() => [...document.querySelectorAll('main .tablewrap')]
      .filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => `the table "${w.querySelector('th, td')?.innerText.trim() || ''} …" needs ${w.scrollWidth}px in a ${w.clientWidth}px box`));
    if (t.length) tables.set(key, t);
    if (name) await screenshot(page, name);
  }

  const pathOf = (page) => new URL(page.url()).pathname;
  const counterPath = () => `/k/${srv.kid}/kasir/${memberId}`;
  const counterForm = (page) => page.locator(`main form[action="${counterPath()}"]`);
  const fieldset = (page, product) => counterForm(page).locator('fieldset', {
    has: page.locator('legend', { hasText: new RegExp(`^\\s*${esc(product)}\\b`) }),
  });
  const depositInput = (page, product) => fieldset(page, product).locator('input[name^="dep_"]');
  const button = (page, name) => page.locator('main').getByRole('button', { name, exact: true });

  /** The balances the counter shows, by product name. */
  async function balances(page) {
    const res = await page.goto(counterPath());
    assert.equal(res.status(), 200, counterPath());
    const legends = await counterForm(page).locator('fieldset legend').allInnerTexts();
    const out = {};
    for (const l of legends) {
      const m = /^\s*(.+?)\s*·\s*saldo\s+(Rp\s*[\d.]+)\s*$/.exec(l);
      assert.ok(m, `legend "${l}" reads "<product> · saldo Rp …"`);
      out[m[1]] = rupiah(m[2]);
    }
    return out;
  }

  /** A `dl.kv` as {term: text}. */
  async function kv(locator) {
    return locator.evaluate((dl) => {
      const out = {};
      for (const dt of dl.querySelectorAll('dt')) {
        const dd = dt.nextElementSibling;
        out[dt.textContent.trim()] = dd ? dd.innerText.replace(/\s+/g, ' ').trim() : '';
      }
      return out;
    });
  }

  /**
   * Clicks a submit button and waits for the POST's answer and the page it leads to; returns
   * the POST's response (303 for a redirect, or the refusal itself).
   */
  async function post(page, locator) {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
      locator.click(),
    ]);
    if (res.status() >= 300 && res.status() < 400) {
      const to = new URL(res.headers().location, page.url()).pathname;
      await page.waitForURL((u) => u.pathname === to, { waitUntil: 'domcontentloaded' });
    } else {
      await page.waitForURL((u) => u.href === res.url(), { waitUntil: 'domcontentloaded' });
    }
    return res;
  }

  /**
   * Makes a request at the counter from deposits {product: "amount"}, valid for `validity`
   * (the option's label), and returns what its page shows: {id, path, ref, total, code, base}.
   */
  async function makeRequest(page, deposits, validity = '24 jam') {
    await page.goto(counterPath());
    for (const [product, amount] of Object.entries(deposits)) {
      await depositInput(page, product).fill(amount);
    }
    const bill = page.locator('details#bill');
    assert.equal(await bill.getAttribute('open'), null, 'the request box starts closed');
    await bill.locator('summary').click();
    assert.equal(squash(await bill.locator('summary').innerText()), 'Tagih lewat QRIS/transfer');
    await page.locator('#validity').selectOption({ label: validity });
    const res = await post(page, bill.getByRole('button', { name: 'Buat tagihan', exact: true }));
    assert.equal(res.status(), 303, 'the request is made and shown');
    const m = /^\/k\/([^/]+)\/tagihan\/([^/]+)$/.exec(pathOf(page));
    assert.ok(m && m[1] === srv.kid, `on the request's page: ${pathOf(page)}`);
    const h1 = squash(await page.locator('h1').innerText());
    const ref = /^Tagihan ([A-Z0-9]{8})$/.exec(h1)?.[1];
    assert.ok(ref, `the heading names the request code: "${h1}"`);
    const facts = await kv(page.locator('main dl.kv'));
    const code = rupiah(facts['Kode unik'].replace(/\s*\(.*$/, ''));
    const total = rupiah(await page.locator('#req-total').innerText());
    const base = Object.values(deposits).reduce((s, a) => s + rupiah(a), 0);
    return { id: m[2], path: pathOf(page), ref, total, code, base, facts };
  }

  it('(0) the pengurus pastes the static QRIS and makes a bank account the default on the payment settings page', async () => {
    await onPhone(PENGURUS, async (page) => {
      const res = await page.goto(`/k/${srv.kid}/pembayaran`);
      assert.equal(res.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Pengaturan pembayaran' }).waitFor();

      // Whatever the demo set: this QRIS replaces it.
      await page.locator('#payload').fill(STATIC_QRIS);
      let r = await post(page, button(page, 'Simpan QRIS'));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /QRIS tersimpan/);
      const q = await kv(page.locator('main dl.kv').first());
      assert.equal(q['Nama merchant'], 'Conweb');
      assert.equal(q.Kota, 'Kota Palembang');
      assert.equal(q.NMID, 'ID1026562375893');
      assert.ok(await page.locator('main .qr svg').first().isVisible(), 'the saved QR is drawn');

      const accounts = () => page.locator('main table').first().locator('tbody tr');
      const before = await accounts().count();
      await page.locator('#bank_name').fill(BANK.name);
      await page.locator('#account_number').fill(BANK.number);
      await page.locator('#holder_name').fill(BANK.holder);
      r = await post(page, button(page, 'Tambah rekening'));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /Rekening bank tersimpan\./);
      assert.equal(await accounts().count(), before + 1);
      const ours = () => accounts().filter({ hasText: BANK.number });
      if (!/ Utama/.test(squash(await ours().innerText()))) {
        // The demo's own account came first: make this one the default.
        r = await post(page, ours().getByRole('button', { name: 'Jadikan utama', exact: true }));
        assert.equal(r.status(), 303);
      }
      assert.match(squash(await ours().innerText()), new RegExp(`^${esc(BANK.name)} ${BANK.number} a\\.n\\. ${esc(BANK.holder)} Utama`));
      const defaults = (await accounts().allInnerTexts()).filter((t) => / Utama/.test(squash(t)));
      assert.equal(defaults.length, 1, `one default account: ${JSON.stringify(defaults)}`);
      await shot(page, null);
    });
  });

  // Shared by the tests below.
  let first; // the request of (a), paid by the cashier's confirmation

  it('(a) the kasir makes a request at the counter, the payer opens their link, the kasir confirms it', async () => {
    await onPhone(KASIR, async (page) => {
      const before = await balances(page);
      first = await makeRequest(page, { 'Simpanan wajib': '75.000', 'Simpanan sukarela': '50.000' }, '1 jam');

      // What the request says: for whom, for what, the unique code on top of the amounts.
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Menunggu pembayaran');
      assert.match(first.facts.Nama, new RegExp(`^${esc(memberName)} `));
      const forWhat = first.facts.Untuk.split('; ').sort();
      assert.deepEqual(forWhat, ['Simpanan sukarela Rp 50.000', 'Simpanan wajib Rp 75.000']);
      assert.equal(first.base, 125_000);
      assert.ok(first.code >= 1 && first.code <= 999, `a unique code of Rp 1 to 999: ${first.code}`);
      assert.match(first.facts['Kode unik'], /masuk ke simpanan sukarela anggota/);
      assert.equal(first.total, first.base + first.code, 'the total is the deposits plus the code');
      assert.equal(first.facts['Jumlah dibayar'], rp(first.total));
      // Valid for one hour, as chosen.
      const valid = (minuteOfDay(first.facts['Berlaku sampai']) - minuteOfDay(first.facts.Dibuat) + 1440) % 1440;
      assert.equal(valid, 60, `valid one hour: ${first.facts.Dibuat} → ${first.facts['Berlaku sampai']}`);

      // The QR (from the coop's static QRIS, with the amount) and the transfer instructions.
      const qr = page.locator('#req-qr svg');
      assert.ok(await qr.isVisible(), 'the QR is shown');
      assert.equal(await qr.locator('title').textContent(), `QRIS ${first.ref}`);
      const transfer = squash(await page.locator('main p', { hasText: 'Transfer ke' }).innerText());
      assert.equal(transfer,
        `Transfer ke ${BANK.name} ${BANK.number} a.n. ${BANK.holder}, tepat sebesar ${rp(first.total)}, dengan berita ${first.ref}.`);
      const screenLink = page.getByRole('link', { name: 'Tampilkan ke pembayar (layar penuh)', exact: true });
      assert.equal(await screenLink.getAttribute('href'), `/k/${srv.kid}/tagihan/${first.id}/layar`);
      const publicPath = await page.locator('#req-public-link').getAttribute('href');
      assert.match(publicPath, /^\/bayar\/[A-Za-z0-9_-]{16,}$/, 'a secret link for the payer');
      assert.equal(squash(await page.locator('#req-public-link').innerText()), 'Tautan untuk ponsel pembayar');
      assert.match(await mainText(page), /kirim hanya ke pembayarnya/);
      assert.equal(await page.locator('#method').inputValue(), 'qris', 'QRIS is the method offered first');
      await shot(page, 'payment-request');

      // The full-screen view for a second screen at the counter.
      let res = await page.goto(`/k/${srv.kid}/tagihan/${first.id}/layar`);
      assert.equal(res.status(), 200);
      assert.equal(squash(await page.locator('#screen-total').innerText()), rp(first.total));
      assert.equal(squash(await page.locator('#screen-ref').innerText()), first.ref);
      assert.ok(await page.locator('#screen-qr svg').isVisible());
      await shot(page, null);

      // The payer: a phone of their own, nobody signed in.
      const payerCtx = await phoneContext(browser, srv.baseUrl);
      try {
        const payer = await payerCtx.newPage();
        const payerErrors = [];
        payer.on('pageerror', (e) => payerErrors.push(e.message));
        payer.on('console', (m) => {
          if (m.type() !== 'error') return;
          if (/Content Security Policy/.test(m.text())) {
            const list = cspViolations.get('/bayar/{token}') || new Set();
            list.add(/^(Refused to [^.']*|Applying [^.']*?) (?:violates|because)/.exec(m.text())?.[1] || m.text().slice(0, 80));
            cspViolations.set('/bayar/{token}', list);
          } else if (!(m.location().url || '').endsWith('/favicon.ico')) payerErrors.push(m.text());
        });
        res = await payer.goto(publicPath);
        assert.equal(res.status(), 200, 'the payer\'s link needs no sign-in');
        assert.equal(pathOf(payer), publicPath);
        assert.equal(res.headers()['referrer-policy'], 'no-referrer');
        assert.equal(res.headers()['cache-control'], 'no-store');
        assert.equal(squash(await payer.locator('h1').innerText()), 'KSP Arta Mandiri Malang');
        assert.equal(squash(await payer.locator('#screen-total').innerText()), rp(first.total));
        assert.equal(squash(await payer.locator('#screen-ref').innerText()), first.ref);
        assert.ok(await payer.locator('#screen-qr svg').isVisible(), 'the payer sees the QR');
        assert.match(squash(await payer.locator('body').innerText()),
          new RegExp(`Transfer ke ${esc(BANK.name)} ${BANK.number} a\\.n\\. ${esc(BANK.holder)}, tepat sebesar ${esc(rp(first.total))}`));
        assert.equal(await payer.locator('meta[http-equiv="refresh"]').getAttribute('content'), '5',
          'the open request reloads itself');
        assert.equal(await payer.getByRole('button').count(), 0, 'nothing to press for the payer');
        assert.ok(!(await payer.locator('body').innerText()).includes('Sudah dibayar'), 'no cashier action');
        const box = await payer.locator('#screen-qr svg').boundingBox();
        await shot(payer, 'payment-screen');
        layout.delete('payment-screen (/bayar/{token})');
        if (box.x < 0 || box.x + box.width > 360) {
          layout.set('payment-screen (/bayar/{token})', [`the QR spans x=${Math.round(box.x)}…${Math.round(box.x + box.width)} on a 360px screen`]);
        }
        // An unknown link is a plain 404.
        const other = await payerCtx.newPage();
        const bad = await other.goto('/bayar/tidak-ada-tagihan-ini-sama-sekali');
        assert.equal(bad.status(), 404);
        await other.close();
        // The counter's own screen is not for the public.
        const nosign = await payerCtx.newPage();
        await nosign.goto(`/k/${srv.kid}/tagihan/${first.id}/layar`);
        assert.equal(pathOf(nosign), '/masuk', 'the counter screen asks for a sign-in');
        await nosign.close();

        // The kasir confirms with the reference from the payer's app.
        await page.goto(first.path);
        await page.locator('#reference').fill('  611234567890 ');
        res = await post(page, button(page, 'Sudah dibayar, catat'));
        assert.equal(res.status(), 303);
        assert.match(pathOf(page), new RegExp(`^/k/${srv.kid}/kuitansi/[^/]+$`), 'on the receipt');
        const receiptPath = pathOf(page);
        const receipt = await mainText(page);
        assert.match(receipt, /KUITANSI/);
        assert.match(receipt, new RegExp(esc(memberName)));
        assert.match(receipt, /Simpanan wajib.*Rp 75\.000/);
        assert.match(receipt, new RegExp(`Simpanan sukarela.*${esc(rp(50_000 + first.code))}`),
          'the unique code goes to simpanan sukarela');
        assert.equal(squash(await page.locator('tr.total td').innerText()), rp(first.total));
        assert.match(squash(await page.locator('body').innerText()), /Cara bayar: QRIS/);

        // The payer's open page reloads itself and thanks them.
        await payer.locator('#screen-state').waitFor({ timeout: 15_000 });
        assert.equal(squash(await payer.locator('#screen-state').innerText()), 'Terima kasih, pembayaran diterima.');
        assert.equal(await payer.locator('#screen-qr').count(), 0, 'no QR once paid');
        assert.equal(await payer.locator('meta[http-equiv="refresh"]').count(), 0, 'no more reloading');
        // And so does the link opened afresh.
        res = await payer.goto(publicPath);
        assert.equal(res.status(), 200);
        assert.equal(squash(await payer.locator('#screen-state').innerText()), 'Terima kasih, pembayaran diterima.');
        assert.equal(squash(await payer.locator('#screen-total').innerText()), rp(first.total));
        await shot(payer, null);
        assert.deepEqual(payerErrors, [], 'no script errors on the payer\'s phone');
        assert.deepEqual(payerCtx.offsite, [], 'the payer\'s page asked nothing of another site');

        // The request now says paid, how, and links the receipt; nothing left to confirm.
        await page.goto(first.path);
        assert.equal(squash(await page.locator('#req-state').innerText()), 'Dibayar');
        const facts = await kv(page.locator('main dl.kv'));
        assert.match(facts.Dibayar, /· QRIS · Dikonfirmasi kasir$/);
        assert.equal(facts['Nomor referensi'], '611234567890', 'the reference, trimmed');
        assert.equal(await page.getByRole('link', { name: 'Lihat kuitansi', exact: true }).getAttribute('href'), receiptPath);
        assert.equal(await page.locator('#req-qr').count(), 0);
        assert.equal(await button(page, 'Sudah dibayar, catat').count(), 0);

        // The counter: wajib and sukarela grew by what was paid, the code included.
        const after = await balances(page);
        assert.equal(after['Simpanan wajib'], before['Simpanan wajib'] + 75_000);
        assert.equal(after['Simpanan sukarela'], before['Simpanan sukarela'] + 50_000 + first.code);
        assert.equal(after['Simpanan pokok'], before['Simpanan pokok']);
      } finally {
        await payerCtx.close();
      }
    });
  });

  let second; // the request of (b), left open, cancelled in (e)
  let one; // (c): paid by the QRIS report
  let two; // (c): left open
  let third; // (d): paid by the bank statement

  it('(b) a confirmation without a reference is refused and changes nothing', async () => {
    await onPhone(KASIR, async (page) => {
      const before = await balances(page);
      second = await makeRequest(page, { 'Simpanan sukarela': '40.000' });
      assert.notEqual(second.total, first.total);

      await page.locator('#method').selectOption({ label: 'Transfer bank' });
      await page.locator('#reference').fill('   ');
      const res = await post(page, button(page, 'Sudah dibayar, catat'));
      assert.equal(res.status(), 422);
      assert.equal(pathOf(page), `/k/${srv.kid}/tagihan/${second.id}/konfirmasi`);
      const alert = page.locator('#req-error');
      assert.ok(await alert.isVisible(), 'the reason is shown');
      assert.equal(await alert.getAttribute('role'), 'alert');
      assert.equal(squash(await alert.innerText()),
        'Isi nomor referensi dari aplikasi pembayar (mis. nomor RRN atau nomor transaksi). Tidak ada yang disimpan.');
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Menunggu pembayaran');
      assert.equal(await page.locator('#method').inputValue(), 'transfer', 'the chosen method stays');
      assert.ok(await page.locator('#req-qr svg').isVisible(), 'the QR is still shown');

      // Nothing changed: still open, no receipt, the same balances.
      await page.goto(second.path);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Menunggu pembayaran');
      assert.equal(await page.getByRole('link', { name: 'Lihat kuitansi', exact: true }).count(), 0);
      assert.equal(squash(await page.locator('#req-total').innerText()), rp(second.total));
      assert.deepEqual(await balances(page), before, 'balances unchanged');
    });
  });

  it('(c) a QRIS settlement report is imported, a line set aside, the settlement posted; the same file is refused', async () => {
    let statementPath;
    // Nobody owes this amount: no open request has this total.
    const stray = 12_345;
    const mdr = (n) => Math.floor((n * 30 + 5_000) / 10_000); // 0,3 %, half up
    let csv;

    await onPhone(KASIR, async (page) => {
      one = await makeRequest(page, { 'Simpanan sukarela': '60.000' });
      two = await makeRequest(page, { 'Simpanan wajib': '25.000', 'Simpanan sukarela': '35.000' });
      assert.notEqual(one.total, two.total);
      for (const t of [first.total, second.total, one.total, two.total]) assert.notEqual(t, stray);

      // Paid just now, on the coop's clock.
      const now = wib();
      csv = [
        'Tanggal,Nominal,MDR,Net,RRN,Nama Pembayar',
        `${now},${one.total},${mdr(one.total)},${one.total - mdr(one.total)},612200000001,SITI AMINAH`,
        `${now},${stray},${mdr(stray)},${stray - mdr(stray)},612200000002,ORANG LAIN`,
        '',
      ].join('\n');

      await page.goto(`/k/${srv.kid}/tagihan`);
      await page.locator('main .subnav').getByRole('link', { name: 'Impor mutasi', exact: true }).click();
      await page.waitForURL(`**/k/${srv.kid}/pembayaran/mutasi`);
      await page.getByRole('heading', { level: 1, name: 'Impor mutasi' }).waitFor();
      assert.match(await mainText(page), /Mutasi yang sudah diimpor Belum ada\./);
      await page.locator('#kind').selectOption({ label: 'Laporan settlement QRIS' });
      await page.locator('#file').setInputFiles({ name: 'settlement-qris.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      const res = await post(page, button(page, 'Impor'));
      assert.equal(res.status(), 303);
      assert.match(pathOf(page), new RegExp(`^/k/${srv.kid}/pembayaran/mutasi/[^/]+$`));
      statementPath = pathOf(page);
      assert.match(await mainText(page), /Mutasi diimpor\. Pembayaran yang cocok sudah dicatat ke buku/);
      assert.equal(squash(await page.locator('h1').innerText()), 'settlement-qris.csv');
      assert.match(await mainText(page), /Laporan settlement QRIS · .* · Kasir/);

      const sum = await kv(page.locator('#stmt-summary'));
      assert.deepEqual(sum, {
        'Baris pembayaran masuk': '2', Cocok: '1', 'Perlu ditinjau': '0', 'Tidak cocok': '1', Diabaikan: '0',
      });

      // The matched line: request one, paid. The stray line waits for a decision.
      const decided = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.equal(decided.length, 1, JSON.stringify(decided));
      assert.match(decided[0], new RegExp(`${esc(rp(one.total))} Cocok ${one.ref} ${esc(memberName)}`));
      const cards = page.locator('main section.card[id^="line-"]');
      assert.equal(await cards.count(), 1);
      const card = cards.first();
      const cardText = squash(await card.innerText());
      assert.match(cardText, new RegExp(`^${esc(rp(stray))} · .* · Tidak cocok 612200000002 ORANG LAIN`));
      assert.equal(await card.getByRole('button', { name: /^Cocokkan dengan / }).count(), 0, 'no candidate for a stray amount');

      // The settlement box: the matched gross, its MDR (from the report) and the net; the kasir
      // may see it but not post it.
      const settle = page.locator('#stmt-settle');
      assert.ok(await settle.isVisible());
      const s = await kv(settle.locator('dl.kv'));
      assert.equal(s['Nilai bruto'], rp(one.total));
      assert.equal(s.MDR, rp(mdr(one.total)));
      assert.equal(s['Nilai bersih ke bank'], rp(one.total - mdr(one.total)));
      assert.equal(await settle.getByRole('button').count(), 0, 'settling is the board\'s');

      // Typing request two's code on the stray line: the amounts differ, refused.
      await card.locator('details summary').click();
      const no = (await card.getAttribute('id')).slice('line-'.length);
      await page.locator(`#code-${no}`).fill(two.ref);
      let r = await post(page, card.getByRole('button', { name: 'Cocokkan dengan tagihan ini', exact: true }));
      assert.equal(r.status(), 409);
      assert.match(squash(await page.locator('#stmt-error').innerText()),
        new RegExp(`^Jumlah baris ini \\(${esc(rp(stray))}\\) berbeda dari total tagihan ${two.ref} \\(${esc(rp(two.total))}\\)\\..*Tidak ada yang disimpan\\.$`));
      assert.equal((await kv(page.locator('#stmt-summary')))['Tidak cocok'], '1', 'still undecided');

      // Set aside, with the reason.
      await page.goto(statementPath);
      const again = page.locator(`#line-${no}`);
      await again.locator('details summary').click();
      await page.locator(`#reason-${no}`).fill('Salah transfer, dikembalikan');
      await page.locator(`#reason-${no}`).blur();
      await shot(page, 'statement-review');
      r = await post(page, again.getByRole('button', { name: 'Abaikan baris ini', exact: true }));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /Baris diabaikan\./);
      assert.deepEqual(await kv(page.locator('#stmt-summary')), {
        'Baris pembayaran masuk': '2', Cocok: '1', 'Perlu ditinjau': '0', 'Tidak cocok': '0', Diabaikan: '1',
      });
      assert.match(await mainText(page), /Semua baris sudah diputuskan\./);
      await shot(page, null);
      const rows = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.ok(rows.some((t) => t.includes(rp(stray)) && t.includes('Diabaikan') && t.includes('Salah transfer, dikembalikan')),
        JSON.stringify(rows));

      // Request one is paid, from the statement, with the line's RRN; request two still waits.
      await page.goto(one.path);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Dibayar');
      const facts = await kv(page.locator('main dl.kv'));
      assert.match(facts.Dibayar, /· QRIS · Cocok dengan mutasi$/);
      assert.equal(facts['Nomor referensi'], '612200000001');
      await page.goto(two.path);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Menunggu pembayaran');
    });

    // The board posts the settlement.
    await onPhone(PENGURUS, async (page) => {
      await page.goto(`/k/${srv.kid}/pembayaran/settlement`);
      const clearingBefore = rupiah(await page.locator('#clearing').innerText());
      assert.ok(clearingBefore >= one.total, `Kliring QRIS holds request one: ${clearingBefore}`);

      await page.goto(statementPath);
      const r = await post(page, page.locator('#stmt-settle').getByRole('button', { name: 'Catat settlement', exact: true }));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /Settlement QRIS dicatat\./);
      assert.equal(await page.locator('#stmt-settle').count(), 0, 'settled once: the box is gone');

      await page.goto(`/k/${srv.kid}/pembayaran/settlement`);
      await page.getByRole('heading', { level: 1, name: 'Settlement QRIS' }).waitFor();
      assert.equal(rupiah(await page.locator('#clearing').innerText()), clearingBefore - one.total,
        'Kliring QRIS went down by the gross');
      const rows = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.match(rows[0], new RegExp(`${esc(rp(one.total))} ${esc(rp(mdr(one.total)))} ${esc(rp(one.total - mdr(one.total)))}$`));
      await shot(page, null);

      // The list says it is settled.
      await page.goto(`/k/${srv.kid}/pembayaran/mutasi`);
      const listed = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.equal(listed.length, 1);
      assert.match(listed[0], /^settlement-qris\.csv Laporan settlement QRIS · sudah di-settle 1 0 0/);

      // The same file again: refused, nothing imported.
      await page.locator('#kind').selectOption({ label: 'Laporan settlement QRIS' });
      await page.locator('#file').setInputFiles({ name: 'laporan-lagi.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      const again = await post(page, button(page, 'Impor'));
      assert.equal(again.status(), 409);
      const err = squash(await page.locator('#stmt-errors').innerText());
      assert.match(err, /^Berkas yang sama sudah diimpor pada \d{4}-\d{2}-\d{2}; tidak ada yang dicatat dua kali\. Tidak ada yang diimpor\.$/);
      assert.equal(await page.locator('#kind').inputValue(), 'qris', 'the chosen kind stays');
      await shot(page, null);
      assert.equal((await page.locator('main table tbody tr').allInnerTexts()).length, 1, 'still one statement');
    });
  });

  it('(d) a bank statement: two lines for one request are reviewed, one matched, one set aside; a line seen before is skipped', async () => {
    await onPhone(KASIR, async (page) => {
      third = await makeRequest(page, { 'Simpanan sukarela': '45.000' });
      const now = wib();
      const later = wib(new Date(Date.now() + 60_000));
      const lines = [
        `${now},TRSF E-BANKING CR 3011/FTSCY/WS95031 BUDI,${third.total}`,
        `${later},TRSF E-BANKING CR 3011/FTSCY/WS95032 BUDI,${third.total}`,
      ];
      const csv = ['Tanggal,Keterangan,Kredit', ...lines, ''].join('\n');
      await page.goto(`/k/${srv.kid}/pembayaran/mutasi`);
      await page.locator('#kind').selectOption({ label: 'Mutasi rekening bank' });
      await page.locator('#file').setInputFiles({ name: 'mutasi-bank.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      let r = await post(page, button(page, 'Impor'));
      assert.equal(r.status(), 303);
      const statementPath = pathOf(page);
      assert.deepEqual(await kv(page.locator('#stmt-summary')), {
        'Baris pembayaran masuk': '2', Cocok: '0', 'Perlu ditinjau': '2', 'Tidak cocok': '0', Diabaikan: '0',
      }, 'two lines for one request: neither is chosen silently');
      assert.equal(await page.locator('#stmt-settle').count(), 0, 'no settlement for a bank statement');
      const cards = page.locator('main section.card[id^="line-"]');
      assert.equal(await cards.count(), 2);
      const choice = `Cocokkan dengan ${third.ref} · ${memberName} · ${rp(third.total)}`;
      for (const c of await cards.all()) {
        assert.match(squash(await c.innerText()), /Perlu ditinjau/);
        assert.equal(await c.getByRole('button', { name: choice, exact: true }).count(), 1, `the card offers "${choice}"`);
      }

      // The first line is the payment.
      const firstCard = cards.filter({ hasText: 'WS95031' });
      r = await post(page, firstCard.getByRole('button', { name: choice, exact: true }));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /Baris dicocokkan dan pembayarannya dicatat\./);
      let sum = await kv(page.locator('#stmt-summary'));
      assert.equal(sum.Cocok, '1');
      assert.equal(sum['Perlu ditinjau'], '1');

      // The second cannot pay the same request again.
      const secondCard = page.locator('main section.card[id^="line-"]').filter({ hasText: 'WS95032' });
      r = await post(page, secondCard.getByRole('button', { name: choice, exact: true }));
      assert.ok([409, 422].includes(r.status()), `refused: ${r.status()}`);
      assert.ok(await page.locator('#stmt-error').isVisible(), 'the reason is shown');
      assert.match(squash(await page.locator('#stmt-error').innerText()), /Tidak ada yang disimpan\.$/);
      sum = await kv(page.locator('#stmt-summary'));
      assert.equal(sum.Cocok, '1', 'still one matched');

      // Set aside as a double.
      await page.goto(statementPath);
      const card2 = page.locator('main section.card[id^="line-"]').filter({ hasText: 'WS95032' });
      const no = (await card2.getAttribute('id')).slice('line-'.length);
      // A reason is required.
      await card2.locator('details summary').click();
      r = await post(page, card2.getByRole('button', { name: 'Abaikan baris ini', exact: true }));
      assert.equal(r.status(), 422);
      assert.match(squash(await page.locator('#stmt-error').innerText()), /^Tulis mengapa baris ini diabaikan/);
      await page.goto(statementPath);
      await page.locator(`#line-${no} details summary`).click();
      await page.locator(`#reason-${no}`).fill('Tercatat dua kali');
      r = await post(page, page.locator(`#line-${no}`).getByRole('button', { name: 'Abaikan baris ini', exact: true }));
      assert.equal(r.status(), 303);
      assert.deepEqual(await kv(page.locator('#stmt-summary')), {
        'Baris pembayaran masuk': '2', Cocok: '1', 'Perlu ditinjau': '0', 'Tidak cocok': '0', Diabaikan: '1',
      });

      await page.goto(third.path);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Dibayar');
      assert.match((await kv(page.locator('main dl.kv'))).Dibayar, /· Transfer bank · Cocok dengan mutasi$/);

      // A later statement that repeats the first line: that line is skipped, the new one read.
      const csv2 = ['Tanggal,Keterangan,Kredit', lines[0], `${later},TRSF E-BANKING CR LAINNYA,7.777`, ''].join('\n');
      await page.goto(`/k/${srv.kid}/pembayaran/mutasi`);
      await page.locator('#kind').selectOption({ label: 'Mutasi rekening bank' });
      await page.locator('#file').setInputFiles({ name: 'mutasi-bank-2.csv', mimeType: 'text/csv', buffer: Buffer.from(csv2) });
      r = await post(page, button(page, 'Impor'));
      assert.equal(r.status(), 303);
      assert.deepEqual(await kv(page.locator('#stmt-summary')), {
        'Baris pembayaran masuk': '1', Cocok: '0', 'Perlu ditinjau': '0', 'Tidak cocok': '1', Diabaikan: '0',
      }, 'the line imported before is not read again');
      assert.match(squash(await page.locator('main section.card[id^="line-"]').innerText()), /^Rp 7\.777 /);
    });
  });

  it('(e) the list finds requests by state and code; an open request is cancelled with a reason', async () => {
    await onPhone(KASIR, async (page) => {
      await page.goto(`/k/${srv.kid}`);
      await page.locator('nav.coop').getByRole('link', { name: 'Pembayaran', exact: true }).click();
      await page.waitForURL(`**/k/${srv.kid}/tagihan`);
      await page.getByRole('heading', { level: 1, name: 'Tagihan pembayaran' }).waitFor();
      const all = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      const count = Number(/^(\d+) tagihan$/.exec(squash(await page.locator('main table caption').innerText()))?.[1]);
      // The caption counts every request found; a page shows at most 50 (the demo's
      // marketplace orders add their own requests), with a link to the next page.
      if (count > 50) {
        assert.equal(all.length, 50, 'a full first page');
        assert.equal(await page.locator('nav.pager a').count(), 1, 'a link to the next page');
      } else {
        assert.equal(count, all.length, 'the caption counts the rows');
      }
      const row = (rows, r) => rows.find((t) => t.startsWith(`${r.ref} `));
      for (const [r, state] of [[first, 'Dibayar QRIS'], [second, 'Menunggu pembayaran'], [one, 'Dibayar QRIS'],
        [two, 'Menunggu pembayaran'], [third, 'Dibayar Transfer bank']]) {
        const t = row(all, r) || '';
        assert.ok(t.includes(` ${memberName} `) && t.includes(rp(r.total)) && t.includes(` ${state}`),
          `${r.ref} is listed (${memberName}, ${rp(r.total)}, ${state}): ${JSON.stringify(all)}`);
      }

      await page.locator('#state').selectOption({ label: 'Dibayar' });
      await page.getByRole('button', { name: 'Cari', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('state') === 'dibayar');
      const paid = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.ok(paid.every((t) => / Dibayar( |$)/.test(t)), JSON.stringify(paid));
      for (const r of [first, one, third]) assert.ok(row(paid, r), `${r.ref} is paid: ${JSON.stringify(paid)}`);
      for (const r of [second, two]) assert.ok(!row(paid, r), `${r.ref} is not paid: ${JSON.stringify(paid)}`);

      await page.locator('#method').selectOption({ label: 'Transfer bank' });
      await page.getByRole('button', { name: 'Cari', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('method') === 'transfer');
      const byTransfer = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.ok(row(byTransfer, third) && !row(byTransfer, first), JSON.stringify(byTransfer));

      await page.goto(`/k/${srv.kid}/tagihan?state=&q=${second.ref.toLowerCase()}`);
      const found = (await page.locator('main table tbody tr').allInnerTexts()).map(squash);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.ok(found[0].startsWith(`${second.ref} ${memberName} `) && found[0].includes(rp(second.total))
        && found[0].includes(' Menunggu pembayaran'), found[0]);
      await shot(page, null);

      await page.goto(`/k/${srv.kid}/tagihan?q=TIDAKADA`);
      assert.equal(squash(await page.getByRole('status').innerText()), 'Tidak ada tagihan yang cocok.');

      // Cancelled: the state, the reason, and the payer's link says so.
      await page.goto(second.path);
      const publicPath = await page.locator('#req-public-link').getAttribute('href');
      await page.locator('main details summary', { hasText: 'Batalkan tagihan' }).click();
      await page.locator('#reason').fill('Anggota membayar tunai di loket');
      const r = await post(page, button(page, 'Batalkan tagihan'));
      assert.equal(r.status(), 303);
      assert.match(await mainText(page), /Tagihan dibatalkan\./);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Dibatalkan');
      assert.equal((await kv(page.locator('main dl.kv')))['Alasan pembatalan'], 'Anggota membayar tunai di loket');
      assert.equal(await button(page, 'Sudah dibayar, catat').count(), 0, 'nothing to confirm');
      assert.equal(await page.locator('#req-qr').count(), 0, 'no QR');

      const payer = await phoneContext(browser, srv.baseUrl);
      try {
        const p = await payer.newPage();
        await p.goto(publicPath);
        assert.equal(squash(await p.locator('#screen-state').innerText()), 'Dibatalkan');
        assert.equal(await p.locator('#screen-qr').count(), 0);
        assert.equal(await p.locator('meta[http-equiv="refresh"]').count(), 0);
      } finally {
        await payer.close();
      }
    });
  });

  it('(f) the pengawas may read the requests but not make, confirm or settle', async () => {
    await onPhone('pengawas.kspmlg@guyub.test', async (page) => {
      let res = await page.goto(first.path);
      assert.equal(res.status(), 200);
      assert.equal(squash(await page.locator('#req-state').innerText()), 'Dibayar');
      res = await page.goto(`/k/${srv.kid}/tagihan`);
      assert.equal(res.status(), 200);
      res = await page.goto(`/k/${srv.kid}/pembayaran/mutasi`);
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('#file').count(), 0, 'no upload for the pengawas');
      res = await page.goto(`/k/${srv.kid}/tagihan/${first.id}/layar`);
      assert.equal(res.status(), 403);
    });
  });

  // Run last: what the journeys above met. Nothing on a payment page may be refused by the
  // app's own CSP (the customer screen once carried an inline <style> that was).
  it('(g) no payment page has content refused by its own Content-Security-Policy', () => {
    const seen = Object.fromEntries([...cspViolations].map(([k, v]) => [k, [...v]]));
    assert.deepEqual(seen, {});
  });

  it('(h) no payment page scrolls sideways or sticks out of a 360px phone', () => {
    assert.deepEqual(Object.fromEntries(layout), {});
  });

  // No payment table is wider than a phone (number headers wrap on a phone; long headers
  // such as "Nilai bersih ke bank" once pushed the last column out of sight).
  it('(i) the payment tables fit a 360px phone without scrolling their box sideways', () => {
    assert.deepEqual(Object.fromEntries(tables), {});
  });
});
