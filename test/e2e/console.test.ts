/**
 * The web console in a real Chromium (Debian's `chromium`, driven by playwright-core; no browser
 * download) against a local stack started here: the console is built from `web/` into a temp
 * folder and served at the stack's root URL, people sign in through the local issuer's page
 * (authorization code + PKCE), and uploads go from the browser to s3rver by presigned POST.
 *
 * Screenshots of every screen go to `test/.out/screenshots/`; with
 * `RULING_INTAKE_SCREENSHOTS=docs/screenshots` (`npm run screenshots`) they replace the README's.
 *
 * Without /usr/bin/chromium (or CHROMIUM_PATH) the suite is skipped, saying why — except when
 * `CI` or `RULING_INTAKE_E2E=required` is set (as `.ci/run` does): then a missing browser fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { documentClient } from '../../shared/composition/compose.js';
import { buildConsole } from '../../web/build.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { extractText, pdfFromText, upload, waitForStatus, withStack } from '../integration/helpers.js';
import { WEBHOOK_EVENT_TYPE } from '../../shared/domain/webhook.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const REQUIRED = Boolean(process.env.CI) || process.env.RULING_INTAKE_E2E === 'required';
const SHOTS = resolve(process.env.RULING_INTAKE_SCREENSHOTS ?? 'test/.out/screenshots');
const LAPTOP = { width: 1280, height: 800 };
const TABLET = { width: 820, height: 1180 };

const STUDENT = '85.07.30-033.28'; // valid: 97 − (850730033 mod 97) = 28
const STUDENT_DIGITS = '85073003328';
const BAD_CHECK = '85.07.30-033.27';
const valid = (nine: string) => `${nine}${String(97 - Number(BigInt(nine) % 97n)).padStart(2, '0')}`;
const UNKNOWN_STUDENT = valid('900202123'); // valid, never seen by the system

const browserMissing = !existsSync(CHROMIUM);
if (browserMissing && REQUIRED) {
  throw new Error(
    `e2e: no Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
}

describe(
  'the web console in Chromium',
  browserMissing
    ? { skip: `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)` }
    : { timeout: 240_000 },
  () => {
    let stack: Awaited<ReturnType<typeof withStack>>;
    let browser: Browser;
    let consoleDir: string;
    let files: string;
    let base: string;
    const timings: string[] = [];
    const mark = (label: string, t0: number) =>
      timings.push(`${label} ${Math.round(performance.now() - t0)} ms`);

    before(async () => {
      let t0 = performance.now();
      consoleDir = await mkdtemp(join(tmpdir(), 'ruling-intake-console-'));
      files = await mkdtemp(join(tmpdir(), 'ruling-intake-e2e-'));
      await buildConsole(consoleDir);
      mark('build', t0);
      t0 = performance.now();
      // ODISEE's webhook refuses every connection (port 9 on loopback): its notifications
      // dead-letter, and the operator redrives them from the console.
      stack = await withStack({
        consoleDir,
        sealEveryMs: 0,
        webhooks: { ODISEE: 'http://127.0.0.1:9/hook' },
        webhookRetryDelayMs: 10,
      });
      base = stack.state.apiUrl;
      mark('stack', t0);
      t0 = performance.now();
      // launch() gives every run a fresh temporary profile (user-data-dir), removed on close.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      mark('chromium', t0);
      await mkdir(SHOTS, { recursive: true });
    });

    after(async () => {
      await browser?.close();
      await stack?.dispose();
      await rm(consoleDir, { recursive: true, force: true });
      await rm(files, { recursive: true, force: true });
      process.stderr.write(
        `e2e timings: ${timings.join(', ')}\ne2e axe (rules passed): ${axeChecked.join(', ')}\n`,
      );
    });

    /** A new browser context (no shared session) signed in as `user` through the issuer's page. */
    async function signIn(user: string, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport, locale: 'nl-BE', acceptDownloads: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // A CSP violation or a script error must fail the test, not pass unnoticed.
        if (m.type() === 'error' && !/status of 40[34]/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      (page as Page & { problems?: string[] }).problems = problems;
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Aanmelden' }).click();
      await page.waitForURL(/\/local-idp\/interaction\//);
      await page.selectOption('#username', user);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === base && !url.pathname.startsWith('/callback'));
      await page.locator('header .who').waitFor();
      return { context, page };
    }

    const problemsOf = (page: Page): string[] => (page as Page & { problems?: string[] }).problems ?? [];

    let axeSource: string | undefined;
    const axeChecked: string[] = [];
    /**
     * Checks the screen with axe-core (WCAG 2.1 A and AA: labels, names, contrast, landmarks…).
     * Injected through the DevTools protocol, which the page's CSP does not restrict.
     */
    async function accessible(page: Page, name: string): Promise<void> {
      axeSource ??= await readFile(AXE, 'utf8');
      await page.evaluate(axeSource);
      const { passes, violations } = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (...a: unknown[]) => Promise<AxeResult> } }).axe;
        interface AxeResult {
          passes: unknown[];
          violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
        }
        const result = await axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        });
        return {
          passes: result.passes.length,
          violations: result.violations.map(
            (v) =>
              `${v.id} (${v.impact}): ${v.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 3)
                .join(', ')}`,
          ),
        };
      });
      assert.deepEqual(violations, [], `accessibility of ${name}`);
      assert.ok(passes >= 10, `axe ran its checks on ${name} (${passes} passed)`);
      axeChecked.push(`${name}:${passes}`);
    }

    /** Saves a screenshot of the screen and checks its accessibility. */
    async function shot(page: Page, name: string, fullPage = true): Promise<void> {
      // Let the focus ring of a just-clicked button not be part of the picture.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage, animations: 'disabled' });
      await accessible(page, name);
    }

    it('serves the console with its security headers, runtime config and SPA fallback', async () => {
      const root = await fetch(`${base}/`);
      assert.equal(root.status, 200);
      assert.match(root.headers.get('content-type') ?? '', /^text\/html/);
      const csp = root.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/, 'no inline scripts');
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(csp.includes(new URL(stack.state.s3Endpoint).origin), 'uploads may go to S3');
      assert.equal(root.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(root.headers.get('referrer-policy'), 'no-referrer');
      assert.equal((await fetch(`${base}/chart`)).status, 200, 'a route of the app gets the shell');
      const html = await root.text();
      const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(js);
      const asset = await fetch(`${base}${js}`);
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
      assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
      assert.equal((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status, 404);
      const config = (await (await fetch(`${base}/config.json`)).json()) as Record<string, string>;
      assert.deepEqual(
        { issuer: config.issuer, clientId: config.clientId, apiUrl: config.apiUrl },
        { issuer: stack.state.issuer, clientId: 'ruling-intake-console', apiUrl: '' },
      );
      // The API is still the API.
      assert.equal((await fetch(`${base}/v1/extracts`)).status, 401);
    });

    it('a clerk uploads two extracts (file picker and drag and drop) and sees one applied, one rejected with its reason', async () => {
      const t0 = performance.now();
      const good = join(files, 'arrest-9412.pdf');
      await writeFile(good, await pdfFromText(extractText({ ruling: '9.412', rrn: STUDENT })));
      const bad = await pdfFromText(extractText({ ruling: '9.413', rrn: BAD_CHECK }));

      const { context, page } = await signIn('clerk');
      {
        // The landing page before sign-in, for the README.
        const anon = await browser.newPage({ viewport: LAPTOP });
        await anon.goto(`${base}/`);
        await anon.getByRole('button', { name: 'Aanmelden' }).waitFor();
        await shot(anon, 'sign-in', false);
        await anon.close();
      }
      await page.getByRole('heading', { level: 1, name: 'Uittreksels van arresten opladen' }).waitFor();
      assert.equal(
        await page.getByRole('button', { name: /verwijder|delete/i }).count(),
        0,
        'no delete anywhere',
      );

      // One through the file picker…
      await page.setInputFiles('input[type=file]', good);
      // …and one dropped on the drop zone.
      await page.evaluate(
        ({ bytes, name }) => {
          const file = new File([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], name, {
            type: 'application/pdf',
          });
          const data = new DataTransfer();
          data.items.add(file);
          const zone = document.querySelector('.dropzone')!;
          zone.dispatchEvent(
            new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
          );
          zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        },
        { bytes: Buffer.from(bad).toString('base64'), name: 'arrest-9413-fout.pdf' },
      );

      await page.locator('.upload-done').nth(1).waitFor({ timeout: 15_000 });
      const applied = page.locator('tr[data-status="APPLIED"]');
      const rejected = page.locator('tr[data-status="REJECTED"]');
      await applied.waitFor({ timeout: 20_000 });
      await rejected.waitFor({ timeout: 20_000 });
      assert.equal(await applied.count(), 1);
      assert.equal(await rejected.count(), 1);
      assert.match(await applied.innerText(), /arrest-9412\.pdf[\s\S]*Verwerkt[\s\S]*9412/);
      const reason = await rejected.innerText();
      assert.match(reason, /arrest-9413-fout\.pdf/);
      assert.match(reason, /Geweigerd/);
      assert.match(reason, /Het rijksregisternummer is ongeldig/);
      assert.match(reason, /85\.07\.30-xxx\.27/, 'the number is masked in the reason');
      assert.match(reason, /laad het opnieuw op/i, 'and says what to do');
      assert.match(reason, /INVALID_RRN/);
      await shot(page, 'clerk');

      // English on request, Dutch by default.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Upload extracts of rulings' }).waitFor();
      assert.match(await rejected.innerText(), /The national register number is invalid/);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.getByRole('button', { name: 'Nederlands' }).click();
      await page.getByRole('heading', { level: 1, name: 'Uittreksels van arresten opladen' }).waitFor();

      // The same screen at tablet width.
      await page.setViewportSize(TABLET);
      await shot(page, 'clerk-tablet', false);
      assert.deepEqual(problemsOf(page), []);
      await context.close();
      mark('clerk', t0);
    });

    it('an institution looks up the corrected student (checked as typed, masked afterwards), a CSV list and its change feed', async () => {
      const t0 = performance.now();
      const { context, page } = await signIn('institution:UGENT');
      await page.getByRole('heading', { level: 1, name: 'Leerkrediet van een student opzoeken' }).waitFor();
      const field = page.getByLabel('Rijksregisternummer');
      await field.pressSequentially('8507300');
      await page.getByText('Nog 4 cijfer(s).').waitFor();
      await field.pressSequentially('3327');
      await page.getByText('De controlecijfers kloppen niet.').waitFor();
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      await field.fill(STUDENT);
      await page.getByText('Geldig rijksregisternummer.').waitFor();
      await page.getByLabel('Doel van de raadpleging').selectOption('study-progress-decision');
      await page.getByRole('button', { name: 'Opzoeken' }).click();
      await page.getByRole('heading', { name: 'Leerkrediet van 85.07.30-xxx.28' }).waitFor();
      assert.equal(await page.getByTestId('balance').innerText(), '179 studiepunten', '140 + 27 + 12');
      assert.equal(await field.inputValue(), '', 'the full number leaves the screen');
      const html = await page.content();
      assert.ok(
        !html.includes('033.28'),
        `no unmasked number on the page: ${html.slice(html.indexOf('033.28') - 300, html.indexOf('033.28') + 50)}`,
      );
      assert.match(await page.locator('.result table').innerText(), /9412[\s\S]*Universiteit Gent \(UGENT\)/);
      await shot(page, 'institution-lookup');

      // A list: header, the student, an unknown (valid) number, a bad one.
      await page.getByRole('link', { name: 'Lijst opzoeken (CSV)' }).click();
      const csv = join(files, 'numbers.csv');
      await writeFile(csv, `nationalNumber\n${STUDENT}\n${UNKNOWN_STUDENT}\n${BAD_CHECK}\n`);
      await page.getByLabel('CSV-bestand met rijksregisternummers').setInputFiles(csv);
      await page.getByLabel('Doel van de raadpleging').selectOption('enrolment');
      await page.getByRole('button', { name: 'Opzoeken' }).click();
      await page
        .getByRole('heading', { name: '3 nummers: 1 gevonden, 1 niet gevonden, 1 ongeldig.' })
        .waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Resultaat downloaden (CSV)' }).click(),
      ]);
      const result = await readFile((await download.path())!, 'utf8');
      assert.match(result, /"2","85073003328","FOUND","179","140","2"/);
      assert.match(result, new RegExp(`"3","${UNKNOWN_STUDENT}","NOT_FOUND"`));
      assert.match(result, /"4","85.07.30-033.27","INVALID"/);
      await shot(page, 'institution-batch');

      // The change feed: the clerk's ruling for this student, masked, once (the relay runs every second).
      await page.getByRole('link', { name: 'Wijzigingen' }).click();
      await page
        .getByRole('heading', { level: 1, name: 'Wijzigingen in het leerkrediet van uw studenten' })
        .waitFor();
      const change = page.locator('table.changes tr[data-ruling="9412"]');
      await change.waitFor();
      assert.equal(await change.count(), 1, 'one entry for the one change');
      assert.match(await change.innerText(), /85\.07\.30-xxx\.28[\s\S]*9412[\s\S]*2023-2024[\s\S]*\+39/);
      assert.ok(!(await page.content()).includes('033.28'), 'no unmasked number in the feed');
      await page.getByRole('button', { name: 'Nieuwe wijzigingen ophalen' }).click();
      await page
        .getByRole('button', { name: 'Nieuwe wijzigingen ophalen' })
        .and(page.locator(':enabled'))
        .waitFor();
      assert.equal(
        await page.locator('table.changes tr[data-ruling="9412"]').count(),
        1,
        'nothing new, no repeat',
      );
      await shot(page, 'institution-changes');
      // With a purpose the same entry shows the full number (each student shown is logged with it).
      await page.getByLabel('Volledige nummers tonen voor').selectOption('study-progress-decision');
      await page.locator('table.changes tr[data-ruling="9412"]', { hasText: '85.07.30-033.28' }).waitFor();
      assert.equal(await page.locator('table.changes tr[data-ruling="9412"]').count(), 1);
      assert.deepEqual(problemsOf(page), []);
      await context.close();
      mark('institution', t0);
    });

    it('an auditor filters the log, sees those accesses, exports CSV, sees the chart, verifies the chain and reports on the student', async () => {
      const t0 = performance.now();
      // A denied attempt by another institution, for the chart.
      const kul = await stack.idp.issueToken({ role: 'institution', institution: 'KUL' });
      const denied = await fetch(`${base}/v1/students/${STUDENT_DIGITS}/learning-credit?purpose=enrolment`, {
        headers: { authorization: `Bearer ${kul}` },
      });
      assert.equal(denied.status, 404);

      // Two weeks of consultations by four institutions (some denied) for the chart and paging;
      // written through the audit port as the API writes them, before the first seal.
      const { audit } = await intakeDeps();
      const day = 24 * 3600_000;
      const history: Parameters<typeof audit.append>[0][] = [];
      for (let d = 13; d >= 1; d--) {
        ['UGENT', 'KUL', 'VUB', 'HOGENT'].forEach((inst, i) => {
          for (let k = 0; k < ((d * 7 + i * 3) % 5) + (i === 0 ? 2 : 0); k++) {
            history.push({
              id: `history-${d}-${inst}-${k}`,
              at: new Date(Date.now() - d * day + (i * 5 + k) * 60_000).toISOString(),
              actor: { id: `demo-institution-${inst}`, role: 'institution', institution: inst },
              action: 'credit.read',
              subject: `history-subject-${(d * 4 + i) % 23}`,
              purpose: 'enrolment',
              outcome: (d + i + k) % 9 === 0 ? 'DENIED:NOT_VISIBLE' : 'ALLOWED',
              requestId: `history-${d}-${inst}-${k}`,
            });
          }
        });
      }
      // Two days ago VUB declared 21 enrolments itself: one above the default threshold (alerts).
      for (let k = 0; k < 21; k++)
        history.push({
          id: `history-declare-VUB-${k}`,
          at: new Date(Date.now() - 2 * day + k * 1000).toISOString(),
          actor: { id: 'demo-institution-VUB', role: 'institution', institution: 'VUB' },
          action: 'enrolment.declare',
          subject: `history-subject-declared-${k}`,
          purpose: 'enrolment',
          outcome: 'ALLOWED',
          requestId: `history-declare-VUB-${k}`,
          details: { academicYear: '2026-2027' },
        });
      await Promise.all(history.map((r) => audit.append(r)));
      // The chart draws the sealer's per-day counters: seal the history (older than the grace).
      await stack.seal();

      const { context, page } = await signIn('auditor');
      await page.getByRole('heading', { level: 1, name: 'Toegangslog' }).waitFor();
      await page.getByLabel('Betrokkene (rijksregisternummer)').fill(STUDENT);
      await page.getByLabel('Instelling').selectOption('UGENT');
      await page.getByLabel('Actie').selectOption('credit.read');
      await page.getByRole('button', { name: 'Zoeken' }).click();
      const rows = page.locator('tr[data-action="credit.read"]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 2, 'the single lookup and the list lookup');
      const text = await page.locator('table.events').innerText();
      assert.match(text, /demo-institution-UGENT/);
      assert.match(text, /study-progress-decision/);
      assert.match(text, /enrolment/);
      assert.doesNotMatch(text, /DENIED/);
      await shot(page, 'auditor-log');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Exporteren (CSV)' }).click(),
      ]);
      const csv = await readFile((await download.path())!, 'utf8');
      const lines = csv.trimEnd().split('\r\n');
      assert.equal(
        lines[0],
        'at,id,actorId,actorRole,actorInstitution,action,subject,purpose,outcome,requestId',
      );
      assert.equal(lines.length, 3);
      assert.ok(
        lines.slice(1).every((l) => l.includes('"demo-institution-UGENT"') && l.includes('"credit.read"')),
      );
      await page.getByText('CSV gedownload (2 regels).').waitFor();
      // A subject filter is not counted: no total, never a wrong one.
      assert.equal(await page.locator('.log-total').getAttribute('data-total'), 'none');
      assert.match(await page.locator('.log-total').innerText(), /^Totaal: — /);

      // Paging: the whole log, 25 per page.
      await page.getByRole('button', { name: 'Wissen' }).click();
      await page.getByRole('button', { name: 'Zoeken' }).click();
      await page.locator('table.events tbody tr').nth(24).waitFor();
      assert.equal(await page.locator('table.events tbody tr').count(), 25);
      const firstId = await page.locator('table.events tbody tr').first().innerText();
      await page.getByRole('button', { name: 'Volgende →' }).click();
      await page.getByText('Pagina 2', { exact: true }).waitFor();
      assert.notEqual(await page.locator('table.events tbody tr').first().innerText(), firstId);
      await page.getByRole('button', { name: '← Vorige' }).click();
      await page.getByText('Pagina 1', { exact: true }).waitFor();

      // The total of the whole log, newest first above it: the records sealed so far (the counters'
      // countedUpTo), not those written since (this auditor's own queries), on every page.
      const sealedUpTo = async () => {
        const token = await stack.idp.issueToken({ role: 'auditor' });
        const res = await fetch(`${base}/v1/audit/events?limit=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { countedUpTo: string }).countedUpTo;
      };
      const upTo = await sealedUpTo();
      const stored =
        (await documentClient().send(new ScanCommand({ TableName: stack.state.tables.audit }))).Items ?? [];
      const truth = (keep: (r: Record<string, unknown>) => boolean) =>
        stored.filter((r) => String(r.at) <= upTo && keep(r)).length;
      const totalLine = page.locator('.log-total');
      const everything = truth(() => true);
      assert.equal(Number(await totalLine.getAttribute('data-total')), everything);
      assert.ok(everything > 100);
      assert.match(
        await totalLine.innerText(),
        new RegExp(
          `^Totaal: ≈ ${everything.toLocaleString('nl-BE').replace('.', '\\.')} records \\(geteld tot \\d`,
        ),
      );
      // English: the same total in English words and number format.
      await page.getByRole('button', { name: 'English' }).click();
      await totalLine.getByText(/^Total: ≈ /).waitFor();
      assert.match(
        await totalLine.innerText(),
        new RegExp(`records \\(counted up to .*; the next seal counts newer records\\)`),
      );
      await page.getByRole('button', { name: 'Nederlands' }).click();
      // One institution over whole UTC days: KUL, from 5 days ago to 2 days ago.
      const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString().slice(0, 10);
      await page.getByLabel('Instelling').selectOption('KUL');
      await page.getByLabel('Van (UTC-dag)').fill(utcDay(5));
      await page.getByLabel('Tot en met (UTC-dag)').fill(utcDay(2));
      await page.getByRole('button', { name: 'Zoeken' }).click();
      const kulTotal = truth(
        (r) =>
          (r.actor as { institution?: string }).institution === 'KUL' &&
          String(r.at).slice(0, 10) >= utcDay(5) &&
          String(r.at).slice(0, 10) <= utcDay(2),
      );
      assert.ok(kulTotal > 0);
      await page.locator(`.log-total[data-total="${kulTotal}"]`).waitFor();
      assert.match(
        await totalLine.innerText(),
        new RegExp(`^Totaal voor KUL van .+ tot en met .+: ${kulTotal} records \\(geteld tot `),
      );
      await shot(page, 'auditor-log-total');
      await page.getByRole('button', { name: 'Wissen' }).click();

      await page.getByRole('link', { name: 'Grafiek' }).click();
      await page.locator('.chart-svg g.bar[data-institution="UGENT"]').first().waitFor();
      await page.getByText(/^Geteld tot /).waitFor();
      assert.ok((await page.locator('.chart-svg g.bar[data-institution="KUL"] rect.denied').count()) >= 1);
      assert.ok(
        (await page.locator('.chart-svg g.bar[data-institution="UGENT"] rect.denied').count()) >= 1,
        'the unknown number in the list',
      );
      await shot(page, 'auditor-chart');

      // The alerts: VUB's burst of self-declared enrolments, above its threshold; no other institution.
      await page.getByRole('link', { name: 'Meldingen' }).click();
      const alert = page.locator('table.alerts tr[data-kind="self-declared-enrolments"]');
      await alert.first().waitFor();
      assert.equal(await alert.count(), 1);
      assert.equal(await alert.first().getAttribute('data-institution'), 'VUB');
      assert.match(await alert.first().innerText(), /21\s+20/);
      await shot(page, 'auditor-alerts');

      // Seal what is older than the sealer's grace (5 s); newer records count as pending.
      await stack.seal();
      await page.getByRole('link', { name: 'Integriteit' }).click();
      await page.getByRole('button', { name: 'Keten verifiëren' }).click();
      await page.getByRole('heading', { name: '✓ Het log is intact.' }).waitFor();
      assert.match(
        await page.locator('.verdict').innerText(),
        /\d+ records? en \d+ checkpoints? gecontroleerd/,
      );
      await shot(page, 'auditor-verify');

      // Someone with database access turns the oldest (sealed) DENIED record into ALLOWED…
      const db = documentClient();
      const table = stack.state.tables.audit;
      const items = (await db.send(new ScanCommand({ TableName: table }))).Items ?? [];
      const victim = items
        .filter((i) => String(i.outcome).startsWith('DENIED'))
        .sort((a, b) => String(a.at).localeCompare(String(b.at)))[0];
      assert.ok(victim, 'a denied record to rewrite');
      const rewrite = (outcome: string) =>
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { id: victim.id },
            UpdateExpression: 'SET outcome = :o',
            ExpressionAttributeValues: { ':o': outcome },
          }),
        );
      await rewrite('ALLOWED');
      // …which the plain check (what is new since the verified head) does not read again; the
      // auditor checks that record's day…
      const victimDay = String(victim.at).slice(0, 10); // periods are UTC days
      await page.getByLabel('Van (UTC-dag)').fill(victimDay);
      await page.getByLabel('Tot en met (UTC-dag)').fill(victimDay);
      await page.getByRole('button', { name: 'Keten verifiëren' }).click();
      await page.getByRole('heading', { name: '✗ Het log is NIET intact.' }).waitFor();
      const broken = await page.locator('.verdict').innerText();
      assert.match(broken, /Eerste probleem[\s\S]*Gewijzigd/);
      assert.ok(broken.includes(String(victim.id)), `names record ${String(victim.id)}`);
      await shot(page, 'auditor-verify-broken');
      // …and the full verification, run by the sealer in the background, finds it as well.
      await page.getByRole('button', { name: 'Volledige controle starten' }).click();
      await page.locator('.full-progress').waitFor();
      await stack.seal();
      await page.locator('.full-result[data-ok="false"]').waitFor();
      assert.ok((await page.locator('.full-result').innerText()).includes(String(victim.id)));
      assert.match(await page.locator('.full-result').innerText(), /handtekening geldig/);
      await rewrite(String(victim.outcome));
      await page.getByRole('button', { name: 'Keten verifiëren' }).click();
      await page.getByRole('heading', { name: '✓ Het log is intact.' }).waitFor();

      await page.getByRole('link', { name: 'Rapport betrokkene' }).click();
      await page.getByLabel('Rijksregisternummer').fill(STUDENT_DIGITS);
      await page.getByRole('button', { name: 'Rapport opvragen' }).click();
      await page.getByRole('heading', { name: '85.07.30-xxx.28' }).waitFor();
      const report = await page.locator('.result').innerText();
      assert.match(report, /Van den Broeck, Anna Maria/);
      assert.match(report, /179 studiepunten/);
      assert.match(report, /DENIED:NOT_VISIBLE/, 'the KUL attempt is in the report');
      await shot(page, 'auditor-subject');
      assert.deepEqual(problemsOf(page), []);
      await context.close();
      mark('auditor', t0);
    });

    it('a student sees their own credit, rulings and the consultations of their data with purposes (nl/en)', async () => {
      const t0 = performance.now();
      const { context, page } = await signIn('student');
      await page.getByRole('heading', { level: 1, name: 'Mijn leerkrediet' }).waitFor();
      await page.getByRole('heading', { name: '85.07.30-033.28' }).waitFor();
      assert.match(await page.locator('.result dl.figures').innerText(), /179 studiepunten/);
      assert.match(
        await page.getByRole('region', { name: 'Toegepaste arresten' }).innerText(),
        /9412[\s\S]*Universiteit Gent \(UGENT\)/,
      );
      const row = page.locator('table.mine tr[data-purpose="study-progress-decision"]').first();
      await row.waitFor();
      assert.match(
        await row.innerText(),
        /Universiteit Gent \(UGENT\)[\s\S]*Studievoortgangsbeslissing[\s\S]*ALLOWED/,
      );
      assert.equal((await page.locator('table.mine tr[data-action="student.read-own"]').count()) >= 1, true);
      // UGent's read of the change feed with a purpose showed this student's number: it is listed.
      assert.match(
        await page.locator('table.mine tr[data-action="changes.read-number"]').first().innerText(),
        /Universiteit Gent \(UGENT\)[\s\S]*Studievoortgangsbeslissing/,
      );
      await shot(page, 'student-record');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'My learning credit' }).waitFor();
      await page.getByText('Study-progress decision').first().waitFor();
      assert.deepEqual(problemsOf(page), []);
      await context.close();
      mark('student', t0);
    });

    it('an operator pauses and resumes intake, approves a held extract and imports enrolments', async () => {
      const t0 = performance.now();
      // A held extract: the same number with another name (identity mismatch).
      const heldId = await upload(
        await pdfFromText(extractText({ ruling: '9.500', rrn: STUDENT, surname: 'Janssens' })),
      );
      assert.equal((await waitForStatus(heldId)).status, 'HELD');
      const operator = await stack.idp.issueToken({ role: 'operator' });
      const intakeState = async () =>
        (
          (await (
            await fetch(`${base}/v1/admin/intake`, { headers: { authorization: `Bearer ${operator}` } })
          ).json()) as { state: string }
        ).state;

      const { context, page } = await signIn('operator');
      await page.getByRole('heading', { level: 1, name: 'Inname' }).waitFor();
      const toggle = page.getByRole('switch', { name: 'Inname', exact: true });
      await page.getByText('Inname loopt').waitFor();
      assert.equal(await toggle.getAttribute('aria-checked'), 'true');
      assert.equal(await toggle.locator('.switch-state').textContent(), 'aan');
      await page.locator(`li.held[data-intake="${heldId}"]`).waitFor();
      await page.locator('[data-count="deadLetters"]').waitFor();
      await shot(page, 'operator');

      await toggle.click();
      await page.getByText('Inname gepauzeerd').waitFor();
      assert.equal(await toggle.getAttribute('aria-checked'), 'false');
      // The words beside the switch follow its state (the name a screen reader says stays).
      assert.equal(await toggle.locator('.switch-state').textContent(), 'uit');
      assert.equal(await intakeState(), 'paused');
      // An extract arriving now waits in the queue…
      const waiting = await upload(
        await pdfFromText(
          extractText({ ruling: '9.600', rrn: valid('990101123'), surname: 'Peeters', givenNames: 'Jan' }),
        ),
      );
      await page.locator('[data-count="visible"] dd', { hasText: /^1$/ }).waitFor();
      await shot(page, 'operator-paused', false);
      // …and a clerk's upload made now says it waits for the pause, not that the file is missing.
      const clerkToken = await stack.idp.issueToken({ role: 'clerk', sub: 'demo-clerk' });
      const asClerk = { authorization: `Bearer ${clerkToken}` };
      const created = (await (
        await fetch(`${base}/v1/extracts`, { method: 'POST', headers: asClerk })
      ).json()) as {
        intakeId: string;
        upload: { url: string; fields: Record<string, string> };
      };
      const form = new FormData();
      for (const [k, v] of Object.entries(created.upload.fields)) form.append(k, v);
      const pausedPdf = await pdfFromText(
        extractText({ ruling: '9.700', rrn: valid('990101124'), surname: 'Peeters', givenNames: 'Jan' }),
      );
      form.append('file', new Blob([new Uint8Array(pausedPdf)], { type: 'application/pdf' }), 'paused.pdf');
      assert.ok((await fetch(created.upload.url, { method: 'POST', body: form })).ok);
      const pausedStatus = (await (
        await fetch(`${base}/v1/extracts/${created.intakeId}`, { headers: asClerk })
      ).json()) as { status: string; paused?: boolean };
      assert.deepEqual([pausedStatus.status, pausedStatus.paused], ['RECEIVED', true]);
      const clerk = await signIn('clerk');
      await clerk.page
        .locator('tr', { hasText: created.intakeId })
        .getByText('Wacht: de inname is gepauzeerd')
        .waitFor();
      assert.equal(await clerk.page.getByText('Wacht op bestand').count(), 0);
      await clerk.context.close();
      await toggle.press('Space'); // the switch works from the keyboard too
      await page.getByText('Inname loopt').waitFor();
      assert.equal(await intakeState(), 'running');
      // …and is processed once intake runs again.
      assert.equal((await waitForStatus(waiting)).status, 'APPLIED');

      const heldCard = page.locator(`li.held[data-intake="${heldId}"]`);
      await heldCard.getByText('Arrest nr. 9500').waitFor();
      // Approving asks first: one click does not apply a ruling to a person whose name differs.
      await heldCard.getByRole('button', { name: 'Goedkeuren' }).click();
      assert.equal(await intakeState(), 'running');
      await heldCard.getByRole('button', { name: 'Ja, goedkeuren' }).click();
      await page.getByText('Goedgekeurd; het uittreksel wordt verwerkt.').waitFor();
      assert.equal((await waitForStatus(heldId)).status, 'APPLIED');

      // Rejecting needs a reason (DBRC is shown it): the console and the API both refuse an empty one.
      const rejectId = await upload(
        await pdfFromText(extractText({ ruling: '9.800', rrn: STUDENT, surname: 'Claes' })),
      );
      assert.equal((await waitForStatus(rejectId)).status, 'HELD');
      const emptyReason = await fetch(`${base}/v1/admin/held/${rejectId}:reject`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: '  ' }),
      });
      assert.equal(emptyReason.status, 400);
      await page.getByRole('button', { name: 'Vernieuwen' }).first().click();
      const rejectCard = page.locator(`li.held[data-intake="${rejectId}"]`);
      await rejectCard.getByRole('button', { name: 'Afwijzen' }).click();
      const confirmReject = rejectCard.getByRole('button', { name: 'Afwijzing bevestigen' });
      assert.equal(await confirmReject.isDisabled(), true);
      await rejectCard.getByLabel('Reden van afwijzing (wordt aan DBRC gemeld)').fill('Andere persoon');
      await confirmReject.click();
      await rejectCard.waitFor({ state: 'detached' });
      assert.equal((await waitForStatus(rejectId)).status, 'REJECTED');

      // A webhook notification its receiver refused 8 times: the count turns red with a redrive
      // button; redriving puts it back (the receiver still refuses, so it dead-letters again).
      await stack.webhookQueue.send(
        JSON.stringify({
          type: WEBHOOK_EVENT_TYPE,
          id: 'ODISEE:1',
          institution: 'ODISEE',
          cursor: 'c1',
          changedAt: new Date().toISOString(),
        }),
      );
      const webhookDead = page.locator('[data-count="webhookDeadLetters"] dd', { hasText: /^1$/ });
      await webhookDead.waitFor();
      await page.getByText('bied ze dan opnieuw aan').waitFor();
      await shot(page, 'operator-dead-letters', false);
      await page.getByRole('button', { name: 'Opnieuw aanbieden: Webhooks in dead-letter' }).click();
      await page.getByText('1 bericht(en) terug in de wachtrij.').waitFor();
      await webhookDead.waitFor(); // refused 8 times again
      assert.equal(await page.getByRole('button', { name: /^Opnieuw aanbieden: Dead-letter$/ }).count(), 0);

      await page.getByRole('link', { name: 'Import uit DHO' }).click();
      const csv = join(files, 'dho-enrolments.csv');
      await writeFile(
        csv,
        `nationalNumber,institution,academicYear\n${STUDENT_DIGITS},KUL,2024-2025\n${valid('010101123')},UGENT,2023-2024\n${BAD_CHECK},UGENT,2023-2024\n${STUDENT_DIGITS},Hogeschool Nergens,2023-2024\n`,
      );
      await page.getByLabel('Inschrijvingen').check();
      await page.getByLabel('CSV-bestand').setInputFiles(csv);
      await page.getByRole('button', { name: 'Importeren' }).click();
      await page.getByRole('heading', { name: /Verslag: dho-enrolments\.csv/ }).waitFor();
      const report = await page.locator('.result').innerText();
      assert.match(report, /Lijn 4: ongeldig rijksregisternummer/);
      assert.match(report, /Lijn 5: onbekende instelling/);
      await shot(page, 'operator-imports');
      assert.deepEqual(problemsOf(page), []);
      await context.close();
      mark('operator', t0);
    });
  },
);
