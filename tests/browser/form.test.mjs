// The respondent's form in a real browser: Debian's chromium driven by
// playwright-core, axe-core for WCAG 2.1 A/AA (docs/form.md). Run by
// scripts/test-run after the Criterion tests, against the same throwaway
// cluster ($DATABASE_URL), in a database of its own, with the sanitized
// daemon ($EMPIRIE_BIN). Node's test runner; every test asserts on what the
// database holds after the browser did its part.
//
// Screenshots go to $FORM_SCREENSHOTS (default tests/browser/out/);
// `FORM_SCREENSHOTS=docs/img` refreshes the ones the README shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.EMPIRIE_ROOT || join(here, '..', '..');
const bin = process.env.EMPIRIE_BIN || join(root, 'build', 'san', 'empirie');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.FORM_SCREENSHOTS || join(here, 'out');
const axeSource = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const dbname = `empirie_browser_${process.pid}`;
const baseConn = process.env.DATABASE_URL;
// the test's own database in the same cluster: a URI gets its path
// replaced, a keyword=value conninfo a later dbname (the last one counts)
function withDb(info, name) {
  if (/^postgres(ql)?:\/\//.test(info)) { const u = new URL(info); u.pathname = '/' + name; return u.toString(); }
  return `${info} dbname=${name}`;
}
const conn = baseConn ? withDb(baseConn, dbname) : undefined;

const staff = JSON.parse(readFileSync(join(root, 'surveys', 'employee-satisfaction-v2.json'), 'utf8'));
const youth = JSON.parse(readFileSync(join(root, 'surveys', 'youth-participation.json'), 'utf8'));

let daemon, base, browser;
const links = {};

function sql(query, db = conn) {
  return execFileSync('psql', [db, '-XAtqc', query], { encoding: 'utf8' }).trim();
}

function empirie(...args) {
  return execFileSync(bin, [...args, '--db', conn], { encoding: 'utf8', cwd: root });
}

function link(survey, wave, extra = []) {
  const out = empirie('link', 'create', '--survey', survey, '--wave', wave, '--city', 'konin', ...extra);
  const lines = out.trim().split('\n');
  return { id: Number(lines[0].split(' ')[1]), url: lines[1], codes: lines.slice(3) };
}

before(async () => {
  assert.ok(baseConn, 'DATABASE_URL must name the test cluster (scripts/test-run sets it)');
  sql(`CREATE DATABASE ${dbname}`, baseConn);
  empirie('migrate');
  empirie('registry', 'load', '--quiet');
  // waves open today, for the form (the registry's are all in the past)
  sql(`INSERT INTO wave VALUES ('satysfakcja-pracownikow', 'form-test', 2, current_date - 1, current_date + 30),
       ('mlodziez-partycypacja', 'form-test', 1, current_date - 1, current_date + 30)`);
  links.staff = link('satysfakcja-pracownikow', 'form-test', ['--label', 'browser: staff']);
  links.youth = link('mlodziez-partycypacja', 'form-test', ['--label', 'browser: youth']);
  links.keys = link('mlodziez-partycypacja', 'form-test', ['--label', 'browser: keyboard']);
  links.errors = link('satysfakcja-pracownikow', 'form-test', ['--label', 'browser: errors']);
  links.coded = link('mlodziez-partycypacja', 'form-test', ['--codes', '3']);
  links.closed = link('satysfakcja-pracownikow', 'form-test');
  empirie('link', 'close', String(links.closed.id));
  links.ended = link('satysfakcja-pracownikow', '2024');   // the wave closed in 2024

  daemon = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--db', conn, '--connections', '8', '--pool', '4'],
                 { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the daemon did not start: ${log}`)), 20000);
    daemon.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) { clearTimeout(t); resolve(`http://${m[1]}`); }
    });
    daemon.on('exit', (c) => reject(new Error(`the daemon exited (${c}): ${log}`)));
  });
  daemon.stderr.on('data', (d) => { log += d; });
  daemon.log = () => log;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (daemon && daemon.exitCode === null) {
    const done = new Promise((r) => daemon.on('exit', r));
    daemon.kill('SIGTERM');
    await done;
  }
  if (daemon) {
    assert.ok(!/AddressSanitizer|LeakSanitizer|runtime error/.test(daemon.log()), daemon.log());
    // the key of a link is never logged
    for (const l of Object.values(links))
      if (l && l.url) assert.ok(!daemon.log().includes(l.url.split('/s/')[1]), 'a key is in the log');
  }
  if (baseConn) sql(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`, baseConn);
});

// ---- helpers ----------------------------------------------------------

async function newPage(width = 1280, opts = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'pl-PL', ...opts });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) page.cspViolations.push(m.text()); });
  page.externalRequests = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) page.externalRequests.push(r.url()); });
  return page;
}

function responses(wave = 'form-test', survey) {
  const rows = sql(`SELECT id, array_to_json(answers), array_to_json(attrs), array_to_json(texts), weight
                    FROM response WHERE wave = '${wave}' AND survey = '${survey}' ORDER BY id`);
  return rows === '' ? [] : rows.split('\n').map((r) => {
    const [id, answers, attrs, texts, weight] = r.split('|');
    return { id, answers: JSON.parse(answers), attrs: JSON.parse(attrs), texts: JSON.parse(texts), weight };
  });
}

function scaleOf(doc, item) {
  return item.scale ? doc.scales[item.scale] : item;
}

// A choice for every question of the instrument, made from a seed: what
// to click, and the answers and attributes the database must then hold.
function plan(doc, seed) {
  let s = seed;
  const rnd = (n) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
  const answers = [], clicks = [], texts = [];
  for (const item of doc.items) {
    const type = item.type || scaleOf(doc, item).type;
    const sc = scaleOf(doc, item);
    if (type === 'likert' || type === 'scale') {
      const points = [];
      for (let p = sc.min; p <= sc.max; p++) points.push(p);
      for (const m of sc.missing || []) points.push(typeof m === 'object' ? m.code : m);
      const v = points[rnd(points.length)];
      clicks.push(`#f-q-${item.code}-${v}`);
      answers.push(v);
      texts.push(null);
    } else if (type === 'single') {
      const v = item.options[rnd(item.options.length)].code;
      clicks.push(`#f-q-${item.code}-${v}`);
      answers.push(v);
      texts.push(null);
    } else if (type === 'multi') {
      let bits = 0;
      for (const o of item.options)
        if (rnd(2) === 1) { clicks.push(`#f-q-${item.code}-${o.code}`); bits |= 1 << o.code; }
      if (bits === 0) { clicks.push(`#f-q-${item.code}-${item.options[0].code}`); bits = 1 << item.options[0].code; }
      answers.push(bits);
      texts.push(null);
    } else if (type === 'text') {
      const t = `Więcej zieleni & <lepsza> "komunikacja" ${seed}`;
      clicks.push({ fill: `#f-q-${item.code}`, text: t });
      answers.push(null);
      texts.push(t);
    }
  }
  const attrs = doc.attributes.map((a) => {
    const v = a.options[rnd(a.options.length)].code;
    clicks.push(`#f-a-${a.code}-${v}`);
    return v;
  });
  return { answers, attrs, texts, clicks };
}

async function answer(page, p) {
  for (const c of p.clicks) {
    if (typeof c === 'string') await page.check(c);
    else await page.fill(c.fill, c.text);
  }
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return { passes: r.passes.length,
             violations: r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`) };
  });
  // axe did run: it checked rules that passed
  assert.ok(result.passes >= 5, `axe-core on ${label}: only ${result.passes} rules passed`);
  assert.deepEqual(result.violations, [], `axe-core on ${label}: ${result.violations.join('\n')}`);
  return result.violations.length;
}

function expectStored(row, p) {
  assert.deepEqual(row.answers, p.answers);
  assert.deepEqual(row.attrs, p.attrs);
  const texts = row.texts || [];
  p.texts.forEach((t, i) => assert.equal(texts[i] ?? null, t));
}

// ---- tests ------------------------------------------------------------

for (const [name, doc] of [['staff', staff], ['youth', youth]]) {
  test(`${name}: every question answered, one response with exactly those answers; back and again: still one`, async (t) => {
    const page = await newPage(1280);
    const url = base + links[name].url;
    const first = await page.goto(url);
    assert.equal(first.status(), 200);
    const h = first.headers();
    assert.match(h['content-security-policy'], /default-src 'self'/);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.equal(h['cache-control'], 'no-store');
    assert.equal(h['set-cookie'], undefined);
    const p = plan(doc, name === 'staff' ? 7 : 11);
    await answer(page, p);
    let posted = null;
    page.on('request', (r) => { if (r.method() === 'POST' && posted === null) posted = r.postData(); });
    await Promise.all([page.waitForURL(/\/thanks/), page.click('button[type=submit]')]);
    assert.match(await page.textContent('h1'), /Dziękujemy/);
    let rows = responses('form-test', doc.slug);
    assert.equal(rows.length, 1);
    expectStored(rows[0], p);
    assert.equal(rows[0].weight, doc.weighted ? '1' : '');
    // back: the form again; sending it again (its id as before) stores nothing new
    await page.goBack();
    const rid = await page.inputValue('input[name=rid]');
    t.diagnostic(rid === rows[0].id ? 'back: the same form (its id), sent again'
                                    : 'back: a fresh form (no-store); the first POST sent again');
    if (rid === rows[0].id) {
      await Promise.all([page.waitForURL(/\/thanks/), page.click('button[type=submit]')]);
    } else {
      // the browser fetched the form anew (no-store): on a shared computer the
      // next person sees none of the answers; resend what was sent before
      assert.equal(await page.locator('input:checked').count(), 0);
      assert.equal(await page.locator('textarea').first().inputValue(), '');
      // sending that blank form stores nothing (no item answered)
      const [blank] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
                                         page.click('button[type=submit]')]);
      assert.equal(blank.status(), 400);
      assert.equal(responses('form-test', doc.slug).length, 1);
      const again = await page.request.post(url, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, data: posted, maxRedirects: 0 });
      assert.equal(again.status(), 303);
    }
    rows = responses('form-test', doc.slug);
    assert.equal(rows.length, 1);
    expectStored(rows[0], p);
    assert.deepEqual(page.cspViolations, []);
    assert.deepEqual(page.externalRequests, []);
    assert.equal((await page.context().cookies()).length, 0);
    await page.context().close();
  });
}

test('a required question left empty: the error next to it, the other answers kept', async () => {
  const page = await newPage(1280);
  await page.goto(base + links.errors.url);
  const p = plan(staff, 3);
  // everything but the required attribute "wydzial"
  p.clicks = p.clicks.filter((c) => typeof c !== 'string' || !c.startsWith('#f-a-wydzial-'));
  await answer(page, p);
  const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
  assert.equal(resp.status(), 400);
  assert.match(await page.title(), /^Błąd: /);
  const summary = page.locator('.summary[role=alert]');
  assert.equal(await summary.count(), 1);
  assert.equal(await summary.locator('a').count(), 1);
  assert.equal(await summary.locator('a').getAttribute('href'), '#f-a-wydzial-1');
  const q = page.locator('#q-a-wydzial');
  assert.match(await q.getAttribute('aria-describedby'), /e-a-wydzial/);
  assert.match(await page.textContent('#e-a-wydzial'), /wymagane/);
  assert.equal(await page.getAttribute('#f-a-wydzial-1', 'aria-invalid'), 'true');
  // the answers given are still there
  for (const c of p.clicks) {
    if (typeof c === 'string') assert.ok(await page.isChecked(c), `${c} is no longer checked`);
    else assert.equal(await page.inputValue(c.fill), c.text);
  }
  assert.equal(responses('form-test', staff.slug).length, 1);   // only the first test's
  await page.screenshot({ path: join(shots, 'form-error-1280.png') });
  await axe(page, 'the form with an error, 1280 px');
  await page.setViewportSize({ width: 360, height: 800 });
  await axe(page, 'the form with an error, 360 px');
  // the summary's link leads to the question
  await page.click('.summary a');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-a-wydzial-1');
  await page.screenshot({ path: join(shots, 'form-error-360.png') });
  await page.check('#f-a-wydzial-2');
  await Promise.all([page.waitForURL(/\/thanks/), page.click('button[type=submit]')]);
  assert.equal(responses('form-test', staff.slug).length, 2);
  await page.context().close();
});

test('the whole form with the keyboard only (Tab, arrows, Space, Enter)', async () => {
  const page = await newPage(360);
  await page.goto(base + links.keys.url);
  const before = responses('form-test', youth.slug).length;
  let typed = 0, steps = 0, submitted = false;
  while (!submitted && steps++ < 400) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, type: a.type || '', name: a.name || '', value: a.value || '', checked: !!a.checked };
    });
    if (el.tag === 'INPUT' && el.type === 'radio') {
      // into the group on its first choice: the next one with the arrow key
      if (!el.checked) await page.keyboard.press('ArrowDown');
    } else if (el.tag === 'INPUT' && el.type === 'checkbox') {
      if (Number(el.value) % 2 === 0) await page.keyboard.press('Space');
    } else if (el.tag === 'TEXTAREA') {
      await page.keyboard.type('Skatepark.');
      typed++;
    } else if (el.tag === 'BUTTON') {
      await Promise.all([page.waitForURL(/\/thanks/), page.keyboard.press('Enter')]);
      submitted = true;
    }
  }
  assert.ok(submitted, 'the submit button was never reached with Tab');
  assert.equal(typed, 1);
  const rows = responses('form-test', youth.slug);
  assert.equal(rows.length, before + 1);
  // every question has an answer: the second choice of each group, or the
  // even checkboxes; every attribute likewise
  const row = rows.find((r) => r.texts && r.texts.includes('Skatepark.'));
  assert.ok(row);
  youth.items.forEach((item, i) => {
    if ((item.type || '') === 'text') assert.equal(row.texts[i], 'Skatepark.');
    else if (item.type === 'multi') {
      const want = item.options.filter((o) => o.code % 2 === 0).reduce((b, o) => b | (1 << o.code), 0);
      assert.equal(row.answers[i], want, item.code);
    } else if (item.type === 'single') assert.equal(row.answers[i], item.options[1].code, item.code);
    else assert.equal(row.answers[i], scaleOf(youth, item).min + 1, item.code);
  });
  youth.attributes.forEach((a, k) => assert.equal(row.attrs[k], a.options[1].code, a.code));
  await page.context().close();
});

test('a code once (stored), the same code again (403, nothing stored)', async () => {
  const page = await newPage(1280);
  const url = base + links.coded.url;
  const before = responses('form-test', youth.slug).length;
  await page.goto(url + '?code=' + links.coded.codes[0]);
  assert.equal(await page.inputValue('#f-code'), links.coded.codes[0]);
  const p = plan(youth, 5);
  await answer(page, p);
  await Promise.all([page.waitForURL(/\/thanks/), page.click('button[type=submit]')]);
  assert.equal(responses('form-test', youth.slug).length, before + 1);
  await axe(page, 'the thank-you page, 1280 px');
  await page.setViewportSize({ width: 360, height: 800 });
  await axe(page, 'the thank-you page, 360 px');
  await page.screenshot({ path: join(shots, 'form-thanks-360.png') });
  // a second form with the same code (typed in lower case, without the dash)
  await page.goto(url);
  await answer(page, plan(youth, 6));
  await page.fill('#f-code', links.coded.codes[0].toLowerCase().replace('-', ''));
  const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
  assert.equal(resp.status(), 403);
  assert.match(await page.textContent('h1'), /wykorzystany/);
  assert.equal(responses('form-test', youth.slug).length, before + 1);
  await axe(page, 'the used-code page, 360 px');
  const set = sql(`SELECT cardinality(used), cardinality(unused) FROM form_code_set WHERE link = ${links.coded.id}`);
  assert.equal(set, '1|2');
  await page.context().close();
});

test('a closed link (410), a link past its wave (410), an unknown key (404)', async () => {
  const page = await newPage(360);
  let r = await page.goto(base + links.closed.url);
  assert.equal(r.status(), 410);
  assert.match(await page.textContent('h1'), /zamknięta/);
  await axe(page, 'the closed page, 360 px');
  r = await page.goto(base + links.ended.url + '?lang=en');
  assert.equal(r.status(), 410);
  assert.match(await page.textContent('h1'), /closed/);
  r = await page.goto(base + '/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(r.status(), 404);
  await axe(page, 'the not-found page, 360 px');
  // a POST to the closed link stores nothing
  const before = responses('form-test', staff.slug).length;
  const post = await page.request.post(base + links.closed.url, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    data: 'rid=9a8b7c6d-1111-4222-8333-444455556666&q-warunki_01=4&a-wydzial=1&a-staz=1', maxRedirects: 0 });
  assert.equal(post.status(), 410);
  assert.equal(responses('form-test', staff.slug).length, before);
  await page.context().close();
});

test('axe-core: the form at 360 and 1280 px, in Polish and English: 0 WCAG 2.1 A/AA violations', async () => {
  for (const [width, lang] of [[360, 'pl'], [1280, 'pl'], [360, 'en'], [1280, 'en']]) {
    for (const name of ['staff', 'youth']) {
      const page = await newPage(width);
      const r = await page.goto(base + links[name].url + (lang === 'en' ? '?lang=en' : ''));
      assert.equal(r.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await axe(page, `the ${name} form, ${width} px, ${lang}`);
      // nothing wider than the screen (320 px and up read without scrolling sideways)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than ${width} px`);
      if (lang === 'pl' && name === 'staff')
        await page.screenshot({ path: join(shots, `form-${width}.png`) });
      await page.context().close();
    }
  }
  // English from the browser's language, Polish from ?lang=pl whatever it says
  const english = await newPage(1280, { locale: 'en-GB' });
  await english.goto(base + links.youth.url);
  assert.equal(await english.getAttribute('html', 'lang'), 'en');
  assert.match(await english.textContent('button[type=submit]'), /Send my answers/);
  await english.goto(base + links.youth.url + '?lang=pl');
  assert.equal(await english.getAttribute('html', 'lang'), 'pl');
  await english.context().close();
  const narrow = await newPage(320);
  await narrow.goto(base + links.youth.url);
  assert.ok(await narrow.evaluate(() => document.documentElement.scrollWidth <= 320));
  await narrow.context().close();
});
