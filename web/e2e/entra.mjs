// Journey (issue 21): sign-in with Microsoft Entra ID through the redirect, against the fake
// authority on loopback HTTPS (tests/fixtures/entra_fake.py; its test CA is not one Chromium
// trusts, so these contexts ignore certificate errors — for that authority only is what matters:
// the app itself is plain HTTP on loopback). Ada links Browser AG to its Microsoft directory by
// one sign-in; Carla links her account after her CaseDesk sign-in, then signs in on another
// device with Microsoft alone — the pre-login cookie (SameSite=Lax) comes back on the redirect,
// the session cookie stays Strict; without MFA from Microsoft she completes CaseDesk's TOTP;
// cancelling at Microsoft lands on the sign-in page with a clear message; an operator signs in.
import {
  assertNoProblems,
  base,
  capture,
  currentStep,
  expect,
  freshCode,
  journey,
  signIn,
  step,
  text,
  usedStep,
  world,
} from "./lib.mjs";

const { admin, manager } = world.people;
const { names, customerTenant } = world.entra;
const appPort = new URL(base).port;

/** A fresh browser profile that accepts the fake authority's certificate. */
async function device(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    locale: "en-GB",
    ignoreHTTPSErrors: true,
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) page.problems.push(`CSP: ${message.text()}`);
  });
  page.on("pageerror", (error) => page.problems.push(`script error: ${error.message}`));
  return page;
}

/** On the authority's sign-in page, pick an account (or cancel); back at the app afterwards. */
async function atMicrosoft(page, choice) {
  await page.waitForURL((url) => url.protocol === "https:" && url.port !== appPort);
  const cookies = await page.context().cookies(base);
  const flow = cookies.find((c) => c.name === "__Host-casedesk-entra");
  expect(flow, "the pre-login cookie is set before leaving for Microsoft");
  expect(
    flow.sameSite === "Lax" && flow.httpOnly && flow.secure,
    `pre-login cookie: ${JSON.stringify(flow)}`,
  );
  await page.getByRole("link", { name: choice }).click();
  await page.waitForURL((url) => url.port === appPort && !url.pathname.startsWith("/api/"));
}

/** A catalog text in the language the page shows (people see the app in their own language). */
async function shown(page, key) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  return text(lang === "de" ? "de" : "en", key);
}

async function signInFresh(page, person) {
  usedStep(person.email, currentStep() + 1);
  await page.goto(`${base}/login`);
  await signIn(page, person);
}

await journey("entra", async (browser) => {
  await step("Ada links Browser AG to its Microsoft directory by one sign-in from it", async () => {
    const page = await device(browser);
    await signInFresh(page, admin);
    await page.goto(`${base}/orgs/${world.orgId}`);
    const card = page.getByTestId("org-entra-card");
    await card.locator("input[name=tenantId]").fill(customerTenant);
    await card.locator("button[type=submit]").click();
    await atMicrosoft(page, `Sign in as ${names.admin}`);
    expect(
      new URL(page.url()).pathname === `/orgs/${world.orgId}`,
      `back on the organisation: ${page.url()}`,
    );
    await card.getByText(await shown(page, "web.entra.orgLinked")).waitFor();
    await card.getByText(customerTenant, { exact: false }).waitFor();
    await capture(page, "entra-org-linked");
    assertNoProblems(page);
  });

  await step("Carla links her Microsoft account after signing in with her password and code", async () => {
    const page = await device(browser);
    await signInFresh(page, manager);
    await page.goto(`${base}/profile`);
    const card = page.getByTestId("entra-link-card");
    await card.getByRole("button", { name: await shown(page, "web.entra.link") }).click();
    await atMicrosoft(page, `Sign in as ${names.manager}`);
    expect(new URL(page.url()).pathname === "/profile", `back on the profile: ${page.url()}`);
    await card.getByText(await shown(page, "web.entra.linked")).waitFor();
    await capture(page, "entra-profile-linked");
    assertNoProblems(page);
  });

  await step(
    "on another device Carla signs in with Microsoft alone: Lax flow cookie, Strict session",
    async () => {
      const page = await device(browser, { width: 360, height: 780 });
      await page.goto(`${base}/login`);
      const offer = page.getByTestId("entra-sign-in");
      await offer.waitFor();
      await capture(page, "entra-login");
      await offer.getByRole("button", { name: await shown(page, "web.entra.signIn") }).click();
      await atMicrosoft(page, `Sign in as ${names.manager}`);
      await page.waitForURL((url) => url.pathname === "/cases");
      const me = await page.evaluate(async () => (await fetch("/api/auth/session")).json());
      expect(me.name === manager.name, `signed in as Carla: ${JSON.stringify(me.name)}`);
      const cookies = await page.context().cookies(base);
      const session = cookies.find((c) => c.name === "__Host-casedesk-session");
      expect(
        session && session.sameSite === "Strict" && session.httpOnly,
        `session cookie: ${JSON.stringify(session)}`,
      );
      expect(!cookies.some((c) => c.name === "__Host-casedesk-entra"), "the pre-login cookie is gone");
      await capture(page, "entra-signed-in");
      assertNoProblems(page);
    },
  );

  await step("without proof of MFA from Microsoft, Carla completes CaseDesk's code", async () => {
    const page = await device(browser);
    await page.goto(`${base}/login`);
    await page.getByTestId("entra-sign-in").getByRole("button").click();
    await atMicrosoft(page, `Sign in as ${names.managerNoMfa}`);
    const second = page.getByTestId("second-factor-form");
    await second.waitFor();
    expect(new URL(page.url()).hash === "", "the challenge is taken out of the address bar");
    await page.getByText(await shown(page, "web.entra.totpAfterMicrosoft")).waitFor();
    await capture(page, "entra-totp");
    await second.locator("input[name=code]").fill(await freshCode(manager.email, manager.secret));
    await second.locator("button[type=submit]").click();
    await page.waitForURL((url) => url.pathname === "/cases");
    assertNoProblems(page);
  });

  await step("cancelling at Microsoft returns to the sign-in page with a clear message", async () => {
    const page = await device(browser);
    await page.goto(`${base}/login`);
    await page.getByTestId("entra-sign-in").getByRole("button").click();
    await atMicrosoft(page, "Cancel");
    expect(new URL(page.url()).pathname === "/login", `on the sign-in page: ${page.url()}`);
    await page.getByText(await shown(page, "errors.entra_cancelled.title")).waitFor();
    const me = await page.evaluate(async () => (await fetch("/api/auth/session")).status);
    expect(me === 401, `nobody is signed in (${me})`);
    await capture(page, "entra-cancelled");
    assertNoProblems(page);
  });

  await step(
    "an operator of the platform signs in with Microsoft and is asked to accept the terms",
    async () => {
      const page = await device(browser);
      await page.goto(`${base}/login`);
      await page.getByTestId("entra-sign-in").getByRole("button").click();
      await atMicrosoft(page, `Sign in as ${names.operator}`);
      await page.waitForURL((url) => url.pathname === "/consent");
      await capture(page, "entra-operator-consent");
      assertNoProblems(page);
    },
  );
});
