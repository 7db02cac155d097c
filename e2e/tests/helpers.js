// Helpers of the browser tests: a throw-away Guyub demo server, the browser, signing in.
//
// Everything runs on 127.0.0.1: the server listens there, the browser opens only that, and
// chromium is started with its background networking switched off.

'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const E2E_DIR = path.resolve(__dirname, '..');
const PASSWORD = 'guyub-demo-2026';
const PHONE = {
  viewport: { width: 360, height: 740 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  locale: 'id-ID',
  timezoneId: 'Asia/Jakarta',
};
const SCREENSHOT_DIR = path.resolve(E2E_DIR, '..', 'docs', 'screenshots');

/** The guyub binary: $GUYUB_BIN (relative to the current directory) or ../target/debug/guyub. */
function guyubBin() {
  const p = process.env.GUYUB_BIN
    ? path.resolve(process.cwd(), process.env.GUYUB_BIN)
    : path.resolve(E2E_DIR, '..', 'target', 'debug', 'guyub');
  if (!fs.existsSync(p)) {
    throw new Error(`guyub binary not found at ${p}: run \`cargo build -p guyub\` or set GUYUB_BIN`);
  }
  return p;
}

/** A port that was free a moment ago: the OS picks one for a listener on port 0. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Signs in over plain HTTP (no browser) and returns where the app sends this person:
 * the Location of `/` after sign-in, e.g. `/k/<kid>` or `/k/<kid>/anggota/<mid>`.
 */
async function homeOf(baseUrl, email, password = PASSWORD) {
  const res = await fetch(`${baseUrl}/masuk`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ email, password, next: '/' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${email} answered ${res.status}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const home = await fetch(`${baseUrl}/`, { redirect: 'manual', headers: { cookie } });
  const loc = home.headers.get('location');
  if (!loc) throw new Error(`/ after sign-in of ${email} answered ${home.status} without a redirect`);
  return loc;
}

/** The coop id of a coop whose pengurus is `pengurus.<code>@guyub.test`. */
async function coopId(baseUrl, code) {
  const loc = await homeOf(baseUrl, `pengurus.${code.toLowerCase()}@guyub.test`);
  const m = /^\/k\/([^/?#]+)$/.exec(loc);
  if (!m) throw new Error(`pengurus.${code} lands on ${loc}, not on a coop dashboard`);
  return m[1];
}

/**
 * Starts `guyub demo` on a fresh SQLite file in a temporary directory and a free port, waits
 * until /healthz answers, and returns {baseUrl, kid (KSPMLG), kids, logins, dir, stop()}.
 * stop() ends the server (SIGTERM, then SIGKILL) and removes the temporary directory.
 */
async function startServer({ members = 200, seed = 2019 } = {}) {
  const bin = guyubBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guyub-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = path.join(dir, 'demo.db');
  const child = spawn(
    bin,
    [
      'demo',
      '--database-url', `sqlite://${db}?mode=rwc`,
      '--listen', `127.0.0.1:${port}`,
      '--members', String(members),
      '--seed', String(seed),
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GUYUB_LOG_FORMAT: 'text', NO_COLOR: '1' },
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err = (err + d).slice(-20000); });
  let exited = null;
  const exitedP = new Promise((resolve) => child.on('exit', (code, sig) => { exited = { code, sig }; resolve(); }));

  // Whatever happens to the test process, the server does not outlive it: killed on exit,
  // and on SIGINT/SIGTERM (e.g. the test runner's timeout) before exiting with that signal.
  const killOnExit = () => { if (!exited) child.kill('SIGKILL'); };
  const onSignal = (sig) => {
    killOnExit();
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', killOnExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exitedP, sleep(5000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await Promise.race([exitedP, sleep(5000)]);
      }
    }
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) {
        throw new Error(`guyub demo exited (${JSON.stringify(exited)}) before serving.\nstdout:\n${out}\nstderr:\n${err}`);
      }
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`guyub demo did not answer /healthz within 60 s.\nstderr:\n${err}`);
      await sleep(100);
    }
    // The sign-ins the demo printed: "  e-mail   Role (Name)".
    const logins = {};
    for (const line of out.split('\n')) {
      const m = /^\s+(\S+@guyub\.test)\s+(.+?)\s*$/.exec(line);
      if (m) logins[m[1]] = m[2];
    }
    const kids = {};
    for (const code of ['KSPMLG', 'KONSBY']) kids[code] = await coopId(baseUrl, code);
    return { baseUrl, kid: kids.KSPMLG, kids, logins, dir, stop, stderr: () => err };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Headless Debian chromium, never a downloaded browser. */
async function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
      '--no-first-run',
    ],
  });
}

/**
 * A phone-sized browser context that may only talk to the test server: any request to
 * another origin is aborted and recorded in `ctx.offsite`.
 */
async function phoneContext(browser, baseUrl) {
  const ctx = await browser.newContext({ ...PHONE, baseURL: baseUrl });
  // A local server answers in milliseconds: fail fast instead of waiting 30 s per step.
  ctx.setDefaultTimeout(10_000);
  ctx.setDefaultNavigationTimeout(15_000);
  ctx.offsite = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${baseUrl}/`) || url === baseUrl) return route.continue();
    if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    ctx.offsite.push(url);
    return route.abort();
  });
  return ctx;
}

/**
 * Signs in through the form at /masuk and waits until the browser has left it (throws with
 * the page's message when it stays there). Returns the path landed on.
 */
async function signIn(page, email, password = PASSWORD) {
  const res = await page.goto('/masuk');
  if (!res || res.status() !== 200) throw new Error(`/masuk answered ${res && res.status()}`);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  // The form's own button (labelled "Masuk" or "Sign in", after Accept-Language).
  await page.locator('form[action="/masuk"] button[type=submit]').click();
  await Promise.race([
    page.waitForURL((u) => u.pathname !== '/masuk', { waitUntil: 'domcontentloaded' }).catch(() => {}),
    page.locator('#signin-error').waitFor().catch(() => {}),
  ]);
  const where = new URL(page.url()).pathname;
  if (where === '/masuk') {
    const msg = await page.locator('#signin-error').textContent().catch(() => null);
    throw new Error(`sign-in of ${email} failed: ${msg}`);
  }
  return where;
}

/**
 * What a phone user would see as broken layout: the page scrolling sideways, or an element
 * (outside a sideways-scrolling box) sticking out of the viewport. Returns descriptions.
 */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw) {
      out.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport`);
    }
    const scrolls = (el) => {
      for (let e = el.parentElement; e; e = e.parentElement) {
        const ox = getComputedStyle(e).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll('main *, header *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 1 && !scrolls(el)) {
        out.push(`<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> ends at ${Math.round(r.right)}px`);
      }
    }
    return out;
  });
}

/**
 * Saves a screenshot to docs/screenshots/<name>.png, only when SCREENSHOTS=1: the full page,
 * or with `{ fullPage: false }` the first phone screen (a long list with photos would be a
 * megabyte-sized picture).
 */
async function screenshot(page, name, opts = {}) {
  if (process.env.SCREENSHOTS !== '1') return null;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Lazy images below the fold load only when scrolled to; a full-page picture needs them all.
  await page.evaluate(async () => {
    const imgs = [...document.querySelectorAll('img')];
    for (const img of imgs) img.loading = 'eager';
    await Promise.all(imgs.map((img) => (img.complete ? null
      : new Promise((r) => { img.addEventListener('load', r); img.addEventListener('error', r); }))));
  });
  await page.screenshot({ path: file, fullPage: opts.fullPage !== false });
  return file;
}

/** The text a person sees in <main> (collapsed whitespace). */
async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * The cashier of whichever of `codes` took the payment `ref` (the /pasar operator coop, or
 * the selling coop when no operator is set) confirms it as paid by QRIS. Returns that coop's
 * code; throws when no cashier of `codes` has the request.
 */
async function confirmQris(browser, baseUrl, codes, ref, rrn) {
  const ctx = await phoneContext(browser, baseUrl);
  const page = await ctx.newPage();
  try {
    for (const code of codes) {
      await page.context().clearCookies();
      const home = await signIn(page, `kasir.${code}@guyub.test`);
      const kid = home.split('/')[2];
      await page.goto(`/k/${kid}/tagihan?q=${ref}`);
      const link = page.locator(`a:text-is("${ref}")`);
      if (await link.count() === 0) continue;
      await link.click();
      await page.locator('#method').selectOption('qris');
      await page.locator('#reference').fill(rrn);
      await page.locator('form[action$="/konfirmasi"] button[type=submit]').click();
      await page.waitForLoadState('domcontentloaded');
      if (!/Dibayar/.test(await mainText(page))) throw new Error(`${ref} not shown paid at ${code}`);
      return code;
    }
    throw new Error(`no cashier of ${codes.join(', ')} has the payment ${ref}`);
  } finally {
    await ctx.close();
  }
}

module.exports = {
  confirmQris,
  PASSWORD,
  PHONE,
  SCREENSHOT_DIR,
  startServer,
  launchBrowser,
  phoneContext,
  signIn,
  homeOf,
  coopId,
  screenshot,
  layoutProblems,
  mainText,
  freePort,
};
