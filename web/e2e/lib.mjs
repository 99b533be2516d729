// Shared helpers of the browser journeys: the world the pytest fixture prepared, a headless
// Debian Chromium through playwright-core (never a downloaded browser), TOTP codes computed
// from enrolment secrets, axe-core checks, screenshots at desktop and 360 px, and step logging.
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const world = JSON.parse(readFileSync(process.env.CASEDESK_WORLD, "utf8"));
export const base = world.baseUrl;
const artifacts = process.env.CASEDESK_ARTIFACTS ?? join(ROOT, "test-artifacts", "browser");
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const catalogs = {
  en: JSON.parse(readFileSync(join(ROOT, "shared", "i18n", "en.json"), "utf8")),
  de: JSON.parse(readFileSync(join(ROOT, "shared", "i18n", "de.json"), "utf8")),
};

/** A catalog text, so the journeys check what the app shows without repeating its strings. */
export function text(language, key, params = {}) {
  let node = catalogs[language];
  for (const part of key.split(".")) node = node?.[part];
  if (typeof node !== "string") throw new Error(`no catalog text ${language}:${key}`);
  return node.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// --- The app's date field (components/date-field.tsx, issue 25) ---------------------------

/** A day as the app's date field writes it: 30.11.2026 (de), 30/11/2026 (en). */
export function fieldDay(iso, language) {
  const [y, m, d] = iso.split("-");
  return language === "de" ? `${d}.${m}.${y}` : `${d}/${m}/${y}`;
}

/** The ISO day a date field shows (30.11.2026 or 30/11/2026), or null for anything else. */
export function isoOfField(shown) {
  const match = /^(\d{2})[./](\d{2})[./](\d{4})$/.exec(shown.trim());
  return match ? `${match[3]}-${match[2]}-${match[1]}` : null;
}

/** Type a day into a date field as a person would, in the page's language, and leave the field. */
export async function fillDay(input, iso) {
  const language = await input.evaluate(() => document.documentElement.lang);
  await input.fill(fieldDay(iso, language));
  await input.blur();
}

// --- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s) -------------------------------------------

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

const currentStep = () => Math.floor(Date.now() / 30_000);
// The TOTP steps each person's codes have used, shared by every journey of the run through a file
// beside the world: each journey is its own process, and a code the server saw in an earlier
// journey is refused as a replay (sign-in then hangs on the second-factor form).
const STEPS_FILE = `${process.env.CASEDESK_WORLD}.steps.json`;
const lastSteps = new Map(
  Object.entries({
    ...(world.lastSteps ?? {}),
    ...(existsSync(STEPS_FILE) ? JSON.parse(readFileSync(STEPS_FILE, "utf8")) : {}),
  }),
);
function remember(email, step) {
  lastSteps.set(email, Math.max(step, lastSteps.get(email) ?? -1));
  writeFileSync(STEPS_FILE, JSON.stringify(Object.fromEntries(lastSteps)));
}

/** A code the server accepts now and has not seen: codes are single-use per 30 s step, and the
 * server accepts the next step too, so a second sign-in in the same step uses the next one. */
export async function freshCode(email, secret) {
  const step = Math.max(currentStep(), (lastSteps.get(email) ?? -1) + 1);
  while (step > currentStep() + 1) await new Promise((r) => setTimeout(r, 500));
  remember(email, step);
  return totpAt(secret, step);
}

export function usedStep(email, step) {
  remember(email, step);
}

export { currentStep };

/** Let the side effects of the requests so far happen now, as the host does within seconds: run
 * the effect relay (audit events, queued e-mails) and drain the mail queue (dev host admin routes,
 * loopback only). */
export async function settle() {
  const relay = await fetch(`${base}/admin/timers/effect_relay/run`, { method: "POST" });
  if (!relay.ok || !(await relay.json()).succeeded)
    throw new Error(`the effect relay failed (${relay.status})`);
  const drain = await fetch(`${base}/admin/queues/mail-outgoing/drain`, { method: "POST" });
  if (!drain.ok) throw new Error(`draining the mail queue failed (${drain.status})`);
}

/** The token of the newest e-mail link to ``email`` (the local outbox stands in for the inbox). */
export async function lastLinkToken(email) {
  await settle();
  const names = readdirSync(world.outbox)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .reverse();
  for (const name of names) {
    const mail = JSON.parse(readFileSync(join(world.outbox, name), "utf8"));
    if (mail.to === email) return /#token=([A-Za-z0-9_-]+)/.exec(mail.text)[1];
  }
  throw new Error(`no e-mail to ${email}`);
}

// --- browser -----------------------------------------------------------------------------

export async function launch() {
  const executablePath = process.env.CASEDESK_CHROMIUM ?? "/usr/bin/chromium";
  return chromium.launch({ executablePath, args: ["--disable-dev-shm-usage"] });
}

/** A fresh profile (own cookies and storage), like a second person on another device. CSP
 * violations and script errors are collected: a journey fails on any of them. */
export async function newPage(browser, { width = 1280, height = 900, locale = "en-GB" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  context.setDefaultTimeout(10_000); // fail fast: nothing here should take seconds
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) page.problems.push(`CSP: ${message.text()}`);
  });
  page.on("pageerror", (error) => page.problems.push(`script error: ${error.message}`));
  page.on("dialog", (dialog) => void dialog.accept());
  return page;
}

export function assertNoProblems(page) {
  expect(page.problems.length === 0, `browser problems:\n${page.problems.join("\n")}`);
}

/** Follow a link of the header's navigation; on a phone it is behind the "Menu" button (issue 24.9). */
export async function openNav(page, href) {
  const button = page.getByTestId("menu-button");
  if ((await button.isVisible()) && (await button.getAttribute("aria-expanded")) !== "true")
    await button.click();
  await page.locator(`nav a[href='${href}']`).click();
}

/** Sign out from the header (behind "Menu" on a phone). */
export async function signOutFromHeader(page) {
  const button = page.getByTestId("menu-button");
  if ((await button.isVisible()) && (await button.getAttribute("aria-expanded")) !== "true")
    await button.click();
  await page.getByTestId("sign-out").click();
}

export async function signIn(page, user, { expectPath } = {}) {
  if (!new URL(page.url()).pathname.startsWith("/login")) await page.goto(`${base}/login`);
  const form = page.getByTestId("login-form");
  await form.locator("input[name=email]").fill(user.email);
  await form.locator("input[name=password]").fill(user.password);
  await form.locator("button[type=submit]").click();
  const second = page.getByTestId("second-factor-form");
  await second.locator("input[name=code]").fill(await freshCode(user.email, user.secret));
  await second.locator("button[type=submit]").click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  if (expectPath) await page.waitForURL((url) => url.pathname === expectPath);
}

// --- checks ------------------------------------------------------------------------------

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A/AA. Injected
 * through the DevTools protocol, so the page's strict CSP stays in force. */
export async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const details = bad.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`,
  );
  expect(bad.length === 0, `axe found serious/critical violations on ${name}:\n  ${details.join("\n  ")}`);
  return result.violations.length;
}

/** Nothing wider than the viewport: the page works at this width without sideways scrolling. */
export async function checkNoOverflow(page, name) {
  const widths = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  expect(widths.doc <= widths.view, `${name} is ${widths.doc}px wide at a ${widths.view}px viewport`);
}

/** axe, then screenshots at the current (desktop) size and at 360 px, with an overflow check. */
export async function capture(page, name, { axe = true } = {}) {
  const size = page.viewportSize();
  if (axe) await checkAccessibility(page, name);
  await page.screenshot({ path: join(artifacts, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.waitForTimeout(50);
  // A chart redraws for the new width a moment later (Chart.js's ResizeObserver): give the page up
  // to a second to fit; an overflow that stays is reported below.
  await page
    .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, null, { timeout: 1000 })
    .catch(() => undefined);
  await checkNoOverflow(page, `${name} (360 px)`);
  await page.screenshot({ path: join(artifacts, `${name}-360.png`), fullPage: true });
  await page.setViewportSize(size);
}

/** {@link capture} at the desktop size (1280 × 900) whatever the page's size now, then back. */
export async function captureBoth(page, name, options) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(50);
  await capture(page, name, options);
  await page.setViewportSize(size);
  await page.waitForTimeout(50);
}

/** The header's language switch, to ``wanted`` ("de" or "en"); signed in, the choice is saved to
 * the profile (PATCH /api/me), which this waits for. Nothing happens if the page speaks it already. */
export async function switchLanguage(page, wanted) {
  if ((await page.evaluate(() => document.documentElement.lang)) === wanted) return;
  const saved = page
    .waitForResponse((r) => new URL(r.url()).pathname === "/api/me" && r.request().method() === "PATCH", {
      timeout: 5000,
    })
    .catch(() => null);
  await page.getByTestId("language-switch").click();
  await page.waitForFunction((lang) => document.documentElement.lang === lang, wanted);
  await saved;
}

/** The welcome tour's slide has finished sliding in (axe would judge a half-faded text). */
export async function slideShown(page) {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.animationName === "tour-in")
        .map((a) => a.finished),
    ),
  );
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

// --- steps -------------------------------------------------------------------------------

const started = Date.now();
let count = 0;

/** Run one named step; the first failure ends the journey with a non-zero exit status. */
export async function step(name, action) {
  count += 1;
  const t0 = Date.now();
  try {
    await action();
    console.log(`ok ${count} - ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    console.log(`not ok ${count} - ${name}\n${error?.stack ?? error}`);
    throw error;
  }
}

/** Run a journey: closes the browser and sets the exit status whatever happens. */
export async function journey(name, body) {
  const browser = await launch();
  try {
    await body(browser);
    console.log(`# ${name}: ${count} steps passed in ${Date.now() - started} ms`);
  } catch {
    process.exitCode = 1;
    // What each open page showed when the journey failed, for the reviewer.
    const pages = browser.contexts().flatMap((context) => context.pages());
    for (const [i, page] of pages.entries()) {
      await page
        .screenshot({ path: join(artifacts, `FAILED-${name}-${i}.png`), fullPage: true })
        .catch(() => {});
      console.log(`# page ${i} at ${page.url()}`);
      // The notices and errors on screen say why a step waited in vain (a 412, a 429, …).
      const shown = await page
        .locator("[role=alert], [role=status], .notice, .form-error")
        .allInnerTexts()
        .catch(() => []);
      for (const text of shown.filter((t) => t.trim()))
        console.log(`#   shown: ${text.trim().replace(/\s+/g, " ")}`);
    }
  } finally {
    await browser.close();
  }
}
