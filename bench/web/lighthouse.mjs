// Lighthouse (its default mobile preset: a mid-range phone's screen, simulated slow 4G and a 4×
// slower CPU) on CaseDesk's main pages, driving Debian's chromium through puppeteer-core; and the
// share dialog as a Lighthouse "timespan" from the click that opens it until its access list is
// in. Run by bench/bench_lighthouse.py, which starts a dev host with the browser tier's world
// (CASEDESK_WORLD); prints one JSON line per page: performance score, CLS, FCP, LCP, TBT.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import lighthouse, { startFlow } from "lighthouse";
import puppeteer from "puppeteer-core";

const world = JSON.parse(readFileSync(process.env.CASEDESK_WORLD, "utf8"));
const base = world.baseUrl;
const { erik, admin, dora } = world.people;
const caseId = world.cases.erik;
const lastSteps = new Map(Object.entries(world.lastSteps ?? {}));

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** A TOTP code of a step the server has not seen for this person (codes are single-use). */
async function freshCode(person) {
  let step = Math.max(Math.floor(Date.now() / 30_000), (lastSteps.get(person.email) ?? -1) + 1);
  while (step > Math.floor(Date.now() / 30_000) + 1) await new Promise((r) => setTimeout(r, 500));
  lastSteps.set(person.email, step);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32(person.secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function signIn(page, person) {
  await page.goto(`${base}/login`, { waitUntil: "networkidle0" });
  await page.type("[data-testid=login-form] input[name=email]", person.email);
  await page.type("[data-testid=login-form] input[name=password]", person.password);
  await page.click("[data-testid=login-form] button[type=submit]");
  await page.waitForSelector("[data-testid=second-factor-form] input[name=code]");
  await page.type("[data-testid=second-factor-form] input[name=code]", await freshCode(person));
  await page.click("[data-testid=second-factor-form] button[type=submit]");
  await page.waitForFunction(() => !location.pathname.startsWith("/login"));
}

/** Erik's case gets documents and notes, one of each shared with Dora: the lists have rows. */
async function seed(page) {
  await page.evaluate(async (caseId) => {
    const session = await (await fetch("/api/auth/session")).json();
    const headers = { "X-CSRF-Token": session.csrfToken };
    const summary = await (await fetch(`/api/cases/${caseId}`)).json();
    const doctor = summary.participants.find((p) => p.role === "doctor").userId;
    const json = { ...headers, "Content-Type": "application/json" };
    for (let i = 1; i <= 4; i += 1) {
      const form = new FormData();
      form.append("title", `Arbeitsplan ${i}`);
      form.append("category", "other");
      form.append("file", new Blob([`Plan ${i}\n`], { type: "text/plain" }), `plan-${i}.txt`);
      const doc = await (await fetch(`/api/cases/${caseId}/documents`, { method: "POST", body: form, headers })).json();
      const note = await (
        await fetch(`/api/cases/${caseId}/notes`, { method: "POST", headers: json, body: JSON.stringify({ title: `Notiz ${i}`, body: "Heute besser." }) })
      ).json();
      if (i % 2) {
        await fetch(`/api/cases/${caseId}/documents/${doc.id}/grants/${doctor}`, { method: "PUT", headers: json, body: JSON.stringify({ expiresAt: null }) });
        await fetch(`/api/cases/${caseId}/notes/${note.id}/grants/${doctor}`, { method: "PUT", headers: json, body: JSON.stringify({ expiresAt: null }) });
      }
    }
  }, caseId);
}

function figures(name, lhr) {
  const audit = (id) => lhr.audits[id]?.numericValue ?? null;
  return {
    page: name,
    performance: lhr.categories.performance?.score ?? null,
    cls: audit("cumulative-layout-shift"),
    fcpMs: audit("first-contentful-paint"),
    lcpMs: audit("largest-contentful-paint"),
    tbtMs: audit("total-blocking-time"),
    // What moved, for whoever fixes it; and why a page has no figures.
    shifts: (lhr.audits["layout-shifts"]?.details?.items ?? []).slice(0, 4).map((i) => [i.node?.selector ?? i.node?.snippet, i.score]),
    error: lhr.runtimeError?.code ?? null,
  };
}

/** CASEDESK_LH_PAGES="account,notes": only these pages (a quicker look while fixing one). */
const only = process.env.CASEDESK_LH_PAGES ? new Set(process.env.CASEDESK_LH_PAGES.split(",")) : null;

const FLAGS = { logLevel: "error", output: "json", onlyCategories: ["performance"], disableStorageReset: true };

async function audit(browser, person, pages) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  if (person) await signIn(page, person);
  if (person === erik) await seed(page);
  for (const [name, path] of pages) {
    if (only && !only.has(name)) continue;
    const result = await lighthouse(`${base}${path}`, FLAGS, undefined, page);
    console.log(JSON.stringify(figures(name, result.lhr)));
  }
  return { context, page };
}

const browser = await puppeteer.launch({
  executablePath: process.env.CASEDESK_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  await audit(browser, null, [["sign-in", "/login"]]);
  const { page } = await audit(browser, erik, [
    ["my cases", "/cases"],
    ["case overview", `/cases/${caseId}`],
    ["reflections", `/cases/${caseId}/reflections`],
    ["dashboard", `/cases/${caseId}/dashboard`],
    ["evaluations", `/cases/${caseId}/evaluations`],
    ["plan", `/cases/${caseId}/plan`],
    ["documents", `/cases/${caseId}/documents`],
    ["notes", `/cases/${caseId}/notes`],
    ["messages", `/cases/${caseId}/messages`],
    ["account", "/profile"],
    ["who accessed my data", "/accesses"],
  ]);
  // The share dialog: a timespan from the click until the access list is in.
  if (!only || only.has("share dialog")) {
    const flow = await startFlow(page, { flags: FLAGS });
    await flow.navigate(`${base}/cases/${caseId}/documents`);
    await flow.startTimespan({ name: "share dialog" });
    await page.click("[data-testid=share-button]");
    await page.waitForSelector("[data-testid=access-list]");
    await new Promise((r) => setTimeout(r, 1500));
    await flow.endTimespan();
    const steps = (await flow.createFlowResult()).steps;
    console.log(JSON.stringify(figures("share dialog (timespan)", steps[steps.length - 1].lhr)));
  }
  await audit(browser, dora, [["notifications", "/notifications"]]);
  await audit(browser, admin, [
    ["organisation", `/orgs/${world.orgId}`],
    ["organisation's cases", `/orgs/${world.orgId}/cases`],
  ]);
} finally {
  await browser.close();
}
