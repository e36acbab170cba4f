// Browser test of the dashboard: signs in with keys of several roles in headless Chromium and checks what each
// sees and that a determination renders with its verdict. Usage: node dashboard.test.js URL ADMIN_KEY AUDITOR_KEY
'use strict';
const { chromium } = require('playwright-core');

const [url, adminKey, auditorKey] = process.argv.slice(2);
let failures = 0, checks = 0;
function expect(cond, label, detail) {
  checks++;
  if (!cond) { failures++; console.error(`FAIL: ${label}${detail ? ': ' + detail : ''}`); }
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-quic', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    expect((await page.textContent('#who')).includes('not signed in'), 'starts signed out');

    // a wrong key is refused with the server's message
    await page.fill('#key', 'clk_0000000000000000_0000000000000000000000000000000000000000');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    expect((await page.textContent('#error')).includes('401'), 'bad key refused', await page.textContent('#error'));

    // the admin signs in and sees the overview
    await page.fill('#key', adminKey);
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#who').textContent.includes('admin'));
    await page.waitForSelector('#health .card');
    expect((await page.textContent('#health')).includes('sqlite'), 'health card names the database');

    // determine H200 to China on 2026-02-01
    await page.click('#tabs button[data-tab=determine]');
    await page.waitForSelector('#product-list option[value=H200]', { state: 'attached' });
    await page.selectOption('#product-list', 'H200');
    await page.fill('#determine-form [name=value_usd]', '1000000');
    await page.click('#determine-form button[type=submit]');
    await page.waitForSelector('#verdict');
    expect((await page.textContent('#verdict')) === 'required conditions pending', 'H200 verdict', await page.textContent('#verdict'));
    const text = await page.textContent('#determination');
    expect(text.includes('bis-2026-us-testing'), 'BIS conditions listed');
    expect(text.includes('USD 250000.00'), '25% tariff computed');
    expect(text.includes('ndrc-2026-conditions'), 'NDRC condition listed');

    // B200 is refused, and the page says what would change it
    await page.selectOption('#product-list', 'B200');
    await page.click('#determine-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#verdict').textContent === 'denial expected');
    expect((await page.textContent('#determination')).includes('outside band us-2026-case-by-case'), 'B200 relief explained');

    // a field error names the field
    await page.fill('#determine-form [name=to]', 'C1');
    await page.click('#determine-form button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    expect((await page.textContent('#error')).includes('$.to'), 'field error named', await page.textContent('#error'));

    // chips and compare
    await page.click('#tabs button[data-tab=chips]');
    await page.waitForSelector('#chip-table tbody tr');
    expect((await page.$$('#chip-table tbody tr')).length >= 8, 'catalog rows');
    await page.click('#compare-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#comparison').textContent.length > 0);
    expect((await page.textContent('#comparison')).includes('6.7x TPP'), 'H200 vs H20', await page.textContent('#comparison'));

    // the auditor sees no tab it may not use
    await page.click('#signout');
    await page.fill('#key', auditorKey);
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#who').textContent.includes('auditor'));
    const tabs = await page.$$eval('#tabs button', (bs) => bs.map((b) => b.dataset.tab));
    expect(!tabs.includes('keys'), 'auditor has no keys tab', tabs.join(','));
    await page.screenshot({ path: process.env.SCREENSHOT || '/tmp/clearance-dashboard.png', fullPage: true });
    expect(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
  } finally {
    await browser.close();
  }
  console.log(`${checks} checks, ${failures} failed`);
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
