// The main journeys of Guyub in a phone-sized headless chromium, against a fresh demo server.
//
// Assertions are on what a person sees (visible text, field values), the URL and the HTTP
// status, never on timing. Screenshots are written only with SCREENSHOTS=1.

'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const {
  startServer, launchBrowser, phoneContext, signIn, screenshot, layoutProblems, mainText,
} = require('./helpers');

const PENGURUS = 'pengurus.kspmlg@guyub.test';
const ANGGOTA = 'anggota.kspmlg@guyub.test';

/** A NIK for district `district` (6 digits), born on `date` (YYYY-MM-DD), with a serial. */
function nik(district, date, female, serial) {
  const [y, m, d] = date.split('-');
  const day = String(Number(d) + (female ? 40 : 0)).padStart(2, '0');
  return `${district}${day}${m}${y.slice(2)}${String(serial).padStart(4, '0')}`;
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Guyub on a phone', { timeout: 110_000 }, () => {
  let srv;
  let browser;
  let tmp;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guyub-e2e-files-'));
    srv = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    // Each step on its own: a failure to close the browser must not leave the server running.
    try { if (browser) await browser.close(); } catch { /* already gone */ }
    try { if (srv) await srv.stop(); } catch { /* already gone */ }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Where the import preview put the first problem cell (checked by the last test).
  let importProblemBox = null;

  // Content-Security-Policy refusals seen on any page, by page path (checked by the last test).
  const cspViolations = new Map();

  /**
   * Runs `fn(page, ctx)` in a fresh phone context, then checks that the page raised no
   * script error and that nothing left 127.0.0.1. The context is closed in any case.
   * CSP refusals are collected apart, for their own test.
   */
  async function onPhone(fn) {
    const ctx = await phoneContext(browser, srv.baseUrl);
    const page = await ctx.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = new URL(page.url()).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}');
      if (/Content Security Policy/.test(m.text())) {
        const what = /^(Refused to [^.']*|Applying [^.']*?) (?:violates|because)/.exec(m.text())?.[1] || m.text().slice(0, 80);
        const list = cspViolations.get(where) || new Set();
        list.add(what);
        cspViolations.set(where, list);
      // A 403 or 422 page logs "Failed to load resource" by design; there is no favicon.
      } else if (!/Failed to load resource: the server responded with a status of (403|422)/.test(m.text())
        && !(m.location().url || '').endsWith('/favicon.ico')) {
        problems.push(`console error on ${where}: ${m.text()}`);
      }
    });
    try {
      await fn(page, ctx);
      assert.deepEqual(problems, [], 'no script errors');
      assert.deepEqual(ctx.offsite, [], 'no request left the test server');
    } finally {
      await ctx.close();
    }
  }

  /** Checks that the page fits the phone's width, then screenshots it (with SCREENSHOTS=1). */
  async function shot(page, name) {
    assert.deepEqual(await layoutProblems(page), [], `${name}: nothing sticks out sideways`);
    await screenshot(page, name);
  }

  const pathOf = (page) => new URL(page.url()).pathname;
  const nav = (page, name) => page.locator('nav.coop').getByRole('link', { name, exact: true });

  /** Searches the member list for `q` with the form; returns the visible row texts. */
  async function search(page, q) {
    await page.locator('#q').fill(q);
    await page.getByRole('button', { name: 'Cari', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/k/${srv.kid}/anggota` && u.searchParams.get('q') === q);
    return page.locator('table tbody tr').allInnerTexts();
  }

  it('(a) the pengurus registers a member through the form and finds them by name and number', async () => {
    const name = 'Ratna Kusumawardhani Pertiwi';
    const birth = '1988-03-12';
    const theNik = nik('357305', birth, true, 7341);
    assert.equal(theNik, '3573055203887341');

    await onPhone(async (page) => {
      const signinRes = await page.goto('/masuk');
      assert.equal(signinRes.status(), 200);
      await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Masuk' }).waitFor());
      await shot(page, 'signin');

      assert.equal(await signIn(page, PENGURUS), `/k/${srv.kid}`);
      assert.match(await page.locator('nav.coop').innerText(), /KSP Arta Mandiri Malang/);
      assert.ok(await page.locator('#stat-active').isVisible(), 'the active-member count is shown');
      assert.match(await page.locator('#stat-active').innerText(), /^\d[\d.]*$/);
      await shot(page, 'dashboard');

      await nav(page, 'Anggota').click();
      await page.waitForURL(`**/k/${srv.kid}/anggota`);
      await page.getByRole('heading', { level: 1, name: 'Daftar anggota' }).waitFor();
      assert.ok((await page.locator('table tbody tr').count()) > 0, 'the demo members are listed');
      await shot(page, 'member-list');

      await page.locator('main').getByRole('link', { name: 'Daftarkan anggota', exact: true }).click();
      await page.waitForURL(`**/k/${srv.kid}/anggota/baru`);
      await page.getByRole('heading', { level: 1, name: 'Daftarkan anggota' }).waitFor();
      // The coop is in Kota Malang, Jawa Timur: the lists start there.
      assert.equal(await page.locator('#prov').inputValue(), '35');
      assert.equal(await page.locator('#kab').inputValue(), '35.73');

      await page.locator('#nik').fill(theNik);
      await page.locator('#name').fill(name);
      await page.locator('#birth_place').fill('Malang');
      await page.locator('#birth_date').fill(birth);
      await page.locator('#address').fill('Jl. Kalpataru No. 12, RT 03 RW 05');
      await page.locator('#kec').selectOption({ label: 'Lowokwaru' });
      // The script loads the villages of the chosen district into the last list.
      await page.locator('#desa option', { hasText: 'Tlogomas' }).waitFor({ state: 'attached' });
      await page.locator('#desa').selectOption({ label: 'Tlogomas' });
      assert.equal(await page.locator('#desa').inputValue(), '35.73.05.1003');
      await page.locator('#phone').fill('0812-3456-7001');
      await page.locator('#occupation').fill('Guru');
      assert.match(await page.locator('#joined_on').inputValue(), /^\d{4}-\d{2}-\d{2}$/, 'joined-on defaults to today');

      await page.getByRole('button', { name: 'Simpan', exact: true }).click();
      await page.waitForURL((u) => /^\/k\/[^/]+\/anggota\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/baru'));
      const memberPath = pathOf(page);
      assert.equal(await page.getByRole('status').innerText(), 'Anggota tersimpan.');
      assert.match(await page.locator('h1').innerText(), new RegExp(`^${esc(name)}\\b`));
      const detail = await mainText(page);
      assert.match(detail, new RegExp(theNik), 'the pengurus sees the whole NIK');
      assert.match(detail, /Tlogomas/);
      assert.match(detail, /Perempuan/, 'the gender comes from the NIK');
      const memberNo = (await page.locator('dl.kv dt:text-is("No. anggota") + dd').innerText()).trim();
      assert.match(memberNo, /KSPMLG/, `member number ${memberNo}`);
      await shot(page, 'member-detail');

      // Found by name …
      await nav(page, 'Anggota').click();
      await page.waitForURL(`**/k/${srv.kid}/anggota`);
      let rows = await search(page, 'Kusumawardhani');
      assert.equal(rows.length, 1, `one row for the name, got ${JSON.stringify(rows)}`);
      assert.match(rows[0], new RegExp(esc(name)));
      assert.match(rows[0], new RegExp(esc(memberNo)));
      // … and by member number, and the row leads to the member.
      rows = await search(page, memberNo);
      assert.equal(rows.length, 1, `one row for ${memberNo}, got ${JSON.stringify(rows)}`);
      assert.match(rows[0], new RegExp(esc(name)));
      await page.locator('table tbody').getByRole('link', { name }).click();
      await page.waitForURL(`**${memberPath}`);
      assert.match(await page.locator('h1').innerText(), new RegExp(esc(name)));
    });
  });

  it('(b) a wrong NIK is explained next to the NIK field and the typed data stays', async () => {
    await onPhone(async (page) => {
      await signIn(page, PENGURUS);
      const res = await page.goto(`/k/${srv.kid}/anggota/baru`);
      assert.equal(res.status(), 200);
      const wrong = '3573991203880001'; // district 35.73.99 does not exist
      const name = 'Budi Santoso Wibowo';
      await page.locator('#nik').fill(wrong);
      await page.locator('#name').fill(name);
      await page.locator('#birth_place').fill('Malang');
      await page.locator('#birth_date').fill('1988-03-12');
      await page.locator('#address').fill('Jl. Bunga Merak No. 4');
      await page.locator('#kec').selectOption({ label: 'Lowokwaru' });
      await page.locator('#desa option', { hasText: 'Dinoyo' }).waitFor({ state: 'attached' });
      await page.locator('#desa').selectOption({ label: 'Dinoyo' });
      await page.locator('#occupation').fill('Wiraswasta');

      const [post] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/k/${srv.kid}/anggota/baru`)),
        page.getByRole('button', { name: 'Simpan', exact: true }).click(),
      ]);
      assert.equal(post.status(), 422);
      await page.waitForLoadState('domcontentloaded');
      assert.equal(pathOf(page), `/k/${srv.kid}/anggota/baru`);

      await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'Ada isian yang perlu diperbaiki' }).waitFor());
      const err = page.locator('#nik-error');
      assert.ok(await err.isVisible(), 'the NIK error is visible');
      assert.match(await err.innerText(), /Kode kecamatan 35\.73\.99 di NIK \(digit 5–6\) tidak dikenal di Kota Malang/);
      assert.equal(await page.locator('#nik').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#nik').getAttribute('aria-describedby'), 'nik-error');
      // Next to the field: right below the NIK box, before the name field.
      const nikBox = await page.locator('#nik').boundingBox();
      const errBox = await err.boundingBox();
      const nameBox = await page.locator('#name').boundingBox();
      assert.ok(errBox.y >= nikBox.y + nikBox.height - 1 && errBox.y - (nikBox.y + nikBox.height) < 24,
        `error right below the NIK box (nik bottom ${nikBox.y + nikBox.height}, error top ${errBox.y})`);
      assert.ok(errBox.y < nameBox.y, 'error above the name field');
      // Only the NIK is wrong, and everything typed is still there.
      assert.equal(await page.locator('.field-error').count(), 1);
      assert.equal(await page.locator('#nik').inputValue(), wrong);
      assert.equal(await page.locator('#name').inputValue(), name);
      assert.equal(await page.locator('#birth_date').inputValue(), '1988-03-12');
      assert.equal(await page.locator('#kec').inputValue(), '35.73.05');
      assert.equal(await page.locator('#desa').inputValue(), '35.73.05.1004');
      await shot(page, 'member-form-error');

      // A well-formed NIK whose date differs from the birth date entered is refused too; the
      // app puts that message on the birth date field.
      await page.locator('#nik').fill(nik('357305', '1988-03-13', false, 12));
      await page.getByRole('button', { name: 'Simpan', exact: true }).click();
      await page.locator('#birth_date-error', { hasText: 'tidak sama dengan tanggal lahir yang diisi 12-03-1988' }).waitFor();
      assert.equal(await page.locator('#nik-error').count(), 0, 'the NIK itself is now well formed');
      assert.equal(await page.locator('#birth_date').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#name').inputValue(), name);
      assert.equal(pathOf(page), `/k/${srv.kid}/anggota/baru`);
    });
  });

  it('(c) the pengurus imports a spreadsheet, and a file with a bad row is refused row by row', async () => {
    const header = 'nik,nama,tempat_lahir,tanggal_lahir,alamat,kode_wilayah,telepon,pekerjaan,tanggal_masuk';
    const good = [
      [nik('357305', '1992-07-05', false, 11), 'Hendra Gunawan Saputra', 'Malang', '1992-07-05', 'Jl. MT Haryono No. 7', '35.73.05.1001', '0813-3000-1101', 'Pedagang', '2025-01-06'],
      [nik('357301', '1985-11-21', true, 23), 'Dewi Lestari Anggraini', 'Blitar', '1985-11-21', 'Jl. Ciliwung No. 21', '35.73.01.1001', '0813-3000-1102', 'Penjahit', '2025-01-06'],
      [nik('357304', '2000-02-01', false, 31), 'Yusuf Maulana Akbar', 'Malang', '2000-02-01', 'Jl. Janti Barat No. 3', '35.73.04.1001', '', 'Mahasiswa', '2025-02-03'],
    ];
    const goodCsv = path.join(tmp, 'anggota-baru.csv');
    fs.writeFileSync(goodCsv, [header, ...good.map((r) => r.join(','))].join('\n') + '\n');
    const bad = [
      [nik('357305', '1979-06-30', false, 41), 'Agus Salim Pratama', 'Malang', '1979-06-30', 'Jl. Sumbersari No. 9', '35.73.05.1005', '', 'Petani', '2025-01-06'],
      ['3573051213880001', 'Wulan Sari Rahayu', 'Malang', '1988-12-12', 'Jl. Dinoyo No. 2', '35.73.05.1004', '', 'Guru', '2025-01-06'],
    ];
    const badCsv = path.join(tmp, 'anggota-salah.csv');
    fs.writeFileSync(badCsv, [header, ...bad.map((r) => r.join(','))].join('\n') + '\n');

    await onPhone(async (page) => {
      await signIn(page, PENGURUS);
      await nav(page, 'Impor').click();
      await page.waitForURL(`**/k/${srv.kid}/impor`);
      await page.getByRole('heading', { level: 1, name: 'Impor anggota' }).waitFor();

      // The good file: a preview where every row is ready, then one commit.
      await page.locator('#file').setInputFiles(goodCsv);
      await page.getByRole('button', { name: 'Periksa berkas', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Pratinjau impor' }).waitFor();
      assert.match(await page.locator('#import-summary').innerText(), /^Semua baris siap diimpor\. \(3\)$/);
      assert.match(await mainText(page), /anggota-baru\.csv · 3 baris/);
      const shown = await page.locator('table tbody tr').allInnerTexts();
      assert.equal(shown.length, 3);
      // On a phone the NIK moves under the name (its own column is hidden).
      assert.match(shown[1], /^3\s+Dewi Lestari Anggraini\s+3573016111850023\s+✓$/);
      await shot(page, 'import-preview');

      await page.getByRole('button', { name: 'Simpan semua anggota', exact: true }).click();
      await page.waitForURL((u) => u.pathname === `/k/${srv.kid}/anggota` && u.searchParams.get('ok') === 'import-committed');
      assert.equal(await page.getByRole('status').innerText(), 'Impor anggota tersimpan.');
      let rows = await search(page, 'Dewi Lestari');
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.match(rows[0], /Dewi Lestari Anggraini/);
      assert.match(rows[0], /Aktif/);
      rows = await search(page, '3573050507920011'); // a whole NIK finds its member too
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.match(rows[0], /Hendra Gunawan Saputra/);

      // The file with a bad row: the row number and the problem, and nothing to commit.
      await nav(page, 'Impor').click();
      await page.waitForURL(`**/k/${srv.kid}/impor`);
      await page.locator('#file').setInputFiles(badCsv);
      await page.getByRole('button', { name: 'Periksa berkas', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Pratinjau impor' }).waitFor();
      const summary = await page.locator('#import-summary').innerText();
      assert.match(summary, /Berkas ini punya baris bermasalah/);
      assert.match(summary, /\(1 \/ 2\)/);
      const errRows = page.locator('table tbody tr.row-err');
      assert.equal(await errRows.count(), 1);
      assert.equal((await errRows.locator('td').first().innerText()).trim(), '3', 'the spreadsheet row (header is row 1)');
      const problem = await errRows.locator('td').nth(3).innerText();
      assert.match(problem, /nik: Bulan lahir di NIK \(digit 9–10\) harus 01–12, bukan 13/);
      assert.equal(await page.getByRole('button', { name: 'Simpan semua anggota' }).count(), 0, 'no commit button');
      importProblemBox = await errRows.locator('td').nth(3).boundingBox();
      await shot(page, 'import-problems');

      // Nothing of that file was saved.
      await nav(page, 'Anggota').click();
      await page.waitForURL(`**/k/${srv.kid}/anggota`);
      rows = await search(page, 'Agus Salim Pratama');
      assert.equal(rows.length, 0);
      assert.match(await mainText(page), /Tidak ada anggota yang cocok\./);
    });
  });

  it('(d) a member sees their own page and is refused the list and other members', async () => {
    const ownName = /\((.+)\)$/.exec(srv.logins[ANGGOTA] || '')?.[1];
    assert.ok(ownName, `the demo prints the member's name: ${JSON.stringify(srv.logins[ANGGOTA])}`);

    // Someone else in the same coop, as the pengurus sees them.
    let other;
    await onPhone(async (page) => {
      await signIn(page, PENGURUS);
      await page.goto(`/k/${srv.kid}/anggota`);
      const links = await page.locator('table tbody a').evaluateAll(
        (as) => as.map((a) => ({ href: a.getAttribute('href'), name: a.textContent.trim() })),
      );
      other = links.find((l) => l.name !== ownName);
      assert.ok(other, 'another member is listed');
    });

    await onPhone(async (page) => {
      const landed = await signIn(page, ANGGOTA);
      assert.match(landed, new RegExp(`^/k/${srv.kid}/anggota/[^/]+$`), 'lands on their own member page');
      assert.notEqual(landed, other.href);
      assert.match(await page.locator('h1').innerText(), new RegExp(`^${esc(ownName)}`));
      assert.match(await mainText(page), /No\. anggota/);
      assert.equal(await nav(page, 'Anggota').count(), 0, 'no member-list link for a member');
      assert.equal(await page.getByRole('link', { name: 'Ubah', exact: true }).count(), 0, 'no edit button');

      const refusals = [
        [`/k/${srv.kid}/anggota`, /^Anda tidak punya hak untuk membuka atau mengubah ini\.$/],
        [other.href, /^Anda hanya dapat melihat data Anda sendiri\.$/],
        [`/k/${srv.kid}/impor`, /^Anda tidak punya hak untuk membuka atau mengubah ini\.$/],
      ];
      for (const [url, why] of refusals) {
        const res = await page.goto(url);
        assert.equal(res.status(), 403, url);
        assert.equal(await page.title(), 'Akses ditolak · Guyub', url);
        assert.equal(await page.locator('h1').innerText(), 'Akses ditolak', url);
        assert.match(await page.getByRole('alert').innerText(), why, url);
        const body = await page.locator('body').innerText();
        assert.ok(!body.includes(other.name), `${url} does not show ${other.name}`);
      }
    });
  });

  it('(e) the header link switches to English and back', async () => {
    await onPhone(async (page) => {
      await signIn(page, PENGURUS);
      await page.goto(`/k/${srv.kid}/anggota`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'id');
      await page.locator('header.top').getByRole('link', { name: 'English', exact: true }).click();
      await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
      assert.equal(pathOf(page), `/k/${srv.kid}/anggota`, 'back on the same page');
      assert.ok(await nav(page, 'Members').isVisible(), 'the nav says Members');
      await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
      assert.ok(await page.getByRole('button', { name: 'Search', exact: true }).isVisible());
      assert.ok(await page.getByRole('link', { name: 'Register a member', exact: true }).isVisible());
      assert.equal(await nav(page, 'Anggota').count(), 0);

      // The choice sticks on the next page, and the link back says "Bahasa Indonesia".
      await page.goto(`/k/${srv.kid}`);
      assert.ok(await nav(page, 'Members').isVisible());
      await page.locator('header.top').getByRole('link', { name: 'Bahasa Indonesia', exact: true }).click();
      await page.locator('html[lang="id"]').waitFor({ state: 'attached' });
      assert.equal(pathOf(page), `/k/${srv.kid}`);
      assert.ok(await nav(page, 'Anggota').isVisible());
    });
  });

  // Runs last: what the journeys above met. Inline style attributes would be refused by the
  // app's own CSP (style-src 'self'); every style lives in app.css.
  it('(f) no page of the journeys has content refused by its own Content-Security-Policy', () => {
      const seen = Object.fromEntries([...cspViolations].map(([k, v]) => [k, [...v]]));
      assert.deepEqual(seen, {});
    });

  // On a 360px phone the problems column of the import preview must be on screen and wide
  // enough to read (the NIK column is hidden there and shown under the name).
  it('(g) the import preview shows a row\'s problem readably on a phone, without scrolling sideways', () => {
      assert.ok(importProblemBox, 'test (c) saw the problem row');
      const right = importProblemBox.x + importProblemBox.width;
      assert.ok(right <= 360 && importProblemBox.width >= 160,
        `problem cell from x=${Math.round(importProblemBox.x)} to ${Math.round(right)} (viewport 360)`);
    });
});
