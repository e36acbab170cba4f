// Browser test of the dashboard: signs in with keys of several roles in headless Chromium and checks what each
// sees and that a determination renders with its verdict. Usage: node dashboard.test.js URL ADMIN_KEY AUDITOR_KEY
'use strict';
const { chromium } = require('playwright-core');

const [url, adminKey, auditorKey, importerKey, exporterKey, regulatorKey] = process.argv.slice(2);
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

    // screening across scripts, with the explanation of the match
    await page.click('#tabs button[data-tab=screening]');
    await page.waitForFunction(() => document.querySelector('#list-loaded').textContent.includes('index loaded'));
    await page.fill('#screen-form [name=names]', '金正恩\nGeorge Bush');
    await page.click('#screen-form button[type=submit]');
    await page.waitForSelector('#screen-results .jur');
    const screened = await page.$$eval('#screen-results .jur', (bs) => bs.map((b) => b.textContent));
    expect(screened.length === 2 && screened[0].includes('block') && screened[0].includes('KIM, Jong Un'), 'Han-script name blocked with its match', screened[0]);
    expect(screened[1].includes('clear'), 'no false alarm on George Bush', screened[1]);

    // the overview counts what was shipped, from the ledger
    await page.click('#tabs button[data-tab=overview]');
    await page.waitForFunction(() => document.querySelector('#summary').textContent.includes('units shipped'));
    expect((await page.textContent('#summary')).includes('cn-h200-2026'), 'pool card on the overview');

    async function signInAs(key, role) {
      await page.click('#signout');
      await page.fill('#key', key);
      await page.click('#signin button[type=submit]');
      await page.waitForFunction((r) => document.querySelector('#who').textContent.includes(r), role);
      return page.$$eval('#tabs button', (bs) => bs.map((b) => b.dataset.tab));
    }

    // the importer sees only its own orders, and no fee or quota tabs
    let tabs = await signInAs(importerKey, 'importer');
    expect(!tabs.includes('fees') && !tabs.includes('pools'), 'importer tabs', tabs.join(','));
    await page.click('#tabs button[data-tab=orders]');
    await page.waitForSelector('#order-table tbody tr');
    const buyers = await page.$$eval('#order-table tbody tr', (rs) => rs.map((r) => r.children[2].textContent));
    expect(buyers.length > 0 && buyers.every((b) => b === 'DeepSeek'), 'importer sees only DeepSeek orders', buyers.join(','));
    expect(!(await page.isVisible('#order-form')), 'no order form for an importer');

    // the exporter checks ByteDance's order (a dry run): it would ship, with its fees, and nothing is booked
    tabs = await signInAs(exporterKey, 'exporter');
    await page.click('#tabs button[data-tab=orders]');
    await page.waitForSelector('button[data-order="O-BY-1"][data-dry-run=true]');
    const shippedBefore = await page.$eval('#shipment-table tbody', (b) => b.children.length);
    page.once('dialog', (d) => d.accept('100'));
    await page.click('button[data-order="O-BY-1"][data-dry-run=true]');
    await page.waitForFunction(() => document.querySelector('#ship-result').textContent.includes('Would'));
    const check = await page.textContent('#ship-result');
    expect(check.includes('Would ship: 100 units of O-BY-1') && check.includes('nothing booked'), 'dry run would ship', check);
    await page.click('#tabs button[data-tab=orders]');
    await page.waitForSelector('#shipment-table tbody tr');
    expect(await page.$eval('#shipment-table tbody', (b) => b.children.length) === shippedBefore, 'the check shipped nothing');
    // then checks and tries to ship DeepSeek's: held, with the reason and what would unblock it
    page.once('dialog', (d) => d.accept('100'));
    await page.click('button[data-order="O-DE-1"][data-dry-run=true]');
    await page.waitForFunction(() => document.querySelector('#ship-result').textContent.includes('Would be held'));
    expect((await page.textContent('#ship-result')).includes('AUTH_SUSPENDED'), 'dry run would be held, and why');
    page.once('dialog', (d) => d.accept('100'));
    await page.click('button[data-order="O-DE-1"][data-dry-run=false]');
    await page.waitForFunction(() => document.querySelector('#ship-result').textContent.startsWith('Held'));
    const held = await page.textContent('#ship-result');
    expect(held.includes('AUTH_SUSPENDED') && held.includes('to unblock'), 'held shipment explained', held);

    // the exporter checks a new order for ByteDance: the shared 400,000 pool is full, and nothing is booked
    expect(await page.isVisible('#order-form'), 'the exporter has the order form');
    expect((await page.inputValue('#order-form [name=exporter]')) === 'NVIDIA', 'the exporter is the key\'s party');
    const ordersBefore = await page.$eval('#order-table tbody', (b) => b.children.length);
    await page.fill('#order-form [name=buyer]', 'ByteDance');
    await page.fill('#order-form [name=quantity]', '1000');
    await page.fill('#order-form [name=value_usd]', '30,000,000');
    await page.fill('#order-form [name=date]', '2026-04-30');
    await page.click('#order-form button[value=check]');
    await page.waitForFunction(() => document.querySelector('#order-result').textContent.includes('Would be refused'));
    const refused = await page.textContent('#order-result');
    expect(refused.includes('POOL_EXHAUSTED') && refused.includes('cn-h200-2026'), 'the full pool named', refused);
    await page.click('#tabs button[data-tab=orders]');
    await page.waitForSelector('#order-table tbody tr');
    expect(await page.$eval('#order-table tbody', (b) => b.children.length) === ordersBefore, 'the check placed nothing');

    // the US regulator opens the suspended licence: conditions and transitions with who and why
    tabs = await signInAs(regulatorKey, 'us_regulator');
    await page.click('#tabs button[data-tab=authorizations]');
    await page.waitForSelector('#auth-table tbody tr');
    await page.click('#auth-table a:text("BIS-DE-1")');
    await page.waitForFunction(() => document.querySelector('#auth-detail').textContent.includes('suspended'));
    const detail = await page.textContent('#auth-detail');
    expect(detail.includes('bis-2026-end-use') && detail.includes('Reinstate'), 'licence detail with its actions', detail.slice(0, 300));

    // the auditor sees totals, no orders and no keys
    tabs = await signInAs(auditorKey, 'auditor');
    expect(!tabs.includes('orders') && tabs.includes('totals'), 'auditor tabs', tabs.join(','));
    await page.click('#tabs button[data-tab=totals]');
    await page.waitForSelector('#totals-table tbody tr');
    expect(!(await page.textContent('#totals')).includes('USD'), 'no money on the auditor totals');
    await page.screenshot({ path: process.env.SCREENSHOT || '/tmp/clearance-dashboard.png', fullPage: true });
    expect(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
  } finally {
    await browser.close();
  }
  console.log(`${checks} checks, ${failures} failed`);
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
