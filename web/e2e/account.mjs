// Journey (issue 25): Nina sets up her account as a new user meets it — on a phone the QR code
// cannot be scanned, so the otpauth:// link and the key with a copy button; the recovery codes
// copied and downloaded as .txt (and printed alone) before "I have saved them". Then "My account":
// her sessions by device ("Firefox on Windows · last active … · this device"), a sign-in with a
// recovery code that suggests a new authenticator, "sign out everywhere else", new recovery codes
// and a new authenticator app, both after a fresh second factor. EN and DE, desktop and 360 px.
import { readFileSync } from "node:fs";
import {
  assertNoProblems,
  base,
  capture,
  currentStep,
  slideShown,
  expect,
  freshCode,
  journey,
  newPage,
  screenshot,
  settle,
  signIn,
  signOutFromHeader,
  step,
  text,
  totpAt,
  usedStep,
  world,
} from "./lib.mjs";

const nina = world.people.nina;
const en = (key, params) => text("en", key, params);
const de = (key, params) => text("de", key, params);
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

let codes = [];

async function switchTo(page, language, title) {
  await page.getByTestId("language-switch").click();
  await page.waitForFunction((wanted) => document.documentElement.lang === wanted, language);
  if (title) await page.waitForFunction((t) => document.querySelector("h1")?.textContent === t, title);
}

await journey("account", async (browser) => {
  const page = await newPage(browser); // capture() also shows and checks each screen at 360 px
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });

  await step("on a phone: the authenticator opens by link or takes the key from the clipboard", async () => {
    await page.goto(`${base}/onboarding#token=${world.invitations.nina}`);
    await page.getByTestId("consent-form").waitFor();
    // The texts (and their two boxes) load after the form: wait for both, else nothing is ticked.
    await page.locator("input[name=privacy]").waitFor();
    for (const box of await page.locator("input[type=checkbox]").all()) await box.check();
    await page.getByTestId("consent-form").locator("button[type=submit]").click();
    const form = page.getByTestId("password-form");
    await form.locator("input[name=password]").fill(nina.password);
    await form.locator("input[name=repeat]").fill(nina.password);
    await form.locator("button[type=submit]").click();
    await page.getByTestId("totp-form").waitFor();
    // The page starts in the invitation's language (German for Nina's organisation).
    expect((await page.evaluate(() => document.documentElement.lang)) === "de", "starts in German");
    await page.getByText(de("web.secondFactor.openInApp")).waitFor();
    await capture(page, "account-onboarding-totp-de");
    await switchTo(page, "en");
    const link = await page.getByTestId("otpauth-link").getAttribute("href");
    expect(link.startsWith("otpauth://totp/CaseDesk:") && link.includes("secret="), `otpauth link: ${link}`);
    await page.getByTestId("copy-secret").click();
    await page.getByText(en("web.secondFactor.copied")).first().waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const shown = (await page.getByTestId("totp-secret").textContent()).replace(/\s+/g, "");
    expect(copied === shown && link.includes(`secret=${copied}`), "the copied key is the secret of the link");
    nina.secret = copied;
    await capture(page, "account-onboarding-totp");
  });

  await step(
    "recovery codes: copied, downloaded as .txt and printed alone, then 'I have saved them'",
    async () => {
      const form = page.getByTestId("totp-form");
      const now = currentStep();
      await form.locator("input[name=code]").fill(totpAt(nina.secret, now));
      await form.locator("button[type=submit]").click();
      usedStep(nina.email, now);
      const sheet = page.getByTestId("recovery-codes");
      await sheet.waitFor();
      codes = (await sheet.locator(".recovery-codes li").allTextContents()).map((c) => c.trim());
      expect(codes.length === 10, `10 codes, got ${codes.length}`);
      await sheet.getByTestId("copy-codes").click();
      const clip = await page.evaluate(() => navigator.clipboard.readText());
      expect(
        codes.every((c) => clip.includes(c)),
        "the clipboard holds every code",
      );
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        sheet.getByTestId("download-codes").click(),
      ]);
      expect(download.suggestedFilename() === "casedesk-recovery-codes.txt", download.suggestedFilename());
      const file = readFileSync(await download.path(), "utf8");
      expect(
        codes.every((c) => file.includes(c)) && file.includes(en("web.secondFactor.fileNote")),
        "the .txt holds every code",
      );
      expect(await sheet.getByTestId("print-codes").isVisible(), "a print button");
      // What "Print" prints: the codes and nothing else of the page.
      await page.evaluate(() => document.body.classList.add("printing-codes"));
      await page.emulateMedia({ media: "print" });
      const hidden = await page.evaluate(
        () => getComputedStyle(document.querySelector(".site-header")).visibility,
      );
      expect(hidden === "hidden", "the header is not printed");
      expect(!(await page.getByTestId("download-codes").isVisible()), "the buttons are not printed");
      await screenshot(page, "account-recovery-codes-print");
      await page.emulateMedia({ media: "screen" });
      await page.evaluate(() => document.body.classList.remove("printing-codes"));
      await capture(page, "account-recovery-codes");
      const next = sheet.locator("button.button");
      expect(await next.isDisabled(), "continue waits for 'I have saved them'");
      await sheet.locator("input[type=checkbox]").check();
      await next.click();
      await page.waitForURL(`${base}/welcome`);
    },
  );

  await step(
    "the welcome tour can be skipped and the feedback declined; 'Help' opens the tour again",
    async () => {
      const tour = page.getByTestId("welcome-tour");
      await tour.waitFor();
      await page.getByText(de("web.welcome.intro.title")).waitFor(); // signed in: her language, German
      await slideShown(page);
      await capture(page, "welcome-de");
      await tour.getByTestId("tour-skip").click();
      await page.getByTestId("feedback-form").waitFor();
      await capture(page, "welcome-feedback-de");
      await page.getByTestId("feedback-decline").click();
      await page.waitForURL(`${base}/cases`);
      const me = await page.evaluate(async () => (await fetch("/api/me")).json());
      expect(me.welcomeSeen === true && me.feedbackAsked === true, "seen and asked: neither comes back");
      await page.locator("nav a[href='/welcome']").click();
      await tour.waitFor();
      await tour.getByTestId("tour-skip").click();
      await page.waitForURL(`${base}/cases`); // asked once: no feedback form the second time
    },
  );

  const laptop = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: "en-GB",
    userAgent: FIREFOX_WINDOWS,
  });
  const other = await laptop.newPage();

  await step("a sign-in with a recovery code suggests setting up the authenticator again", async () => {
    await other.goto(`${base}/login`);
    const form = other.getByTestId("login-form");
    await form.locator("input[name=email]").fill(nina.email);
    await form.locator("input[name=password]").fill(nina.password);
    await form.locator("button[type=submit]").click();
    const second = other.getByTestId("second-factor-form");
    await second.locator("button.button-quiet").first().click();
    await second.locator("input[name=recoveryCode]").fill(codes[0]);
    await second.locator("button[type=submit]").click();
    await other.getByTestId("recovery-prompt").locator(".alert").waitFor();
    // Signed in, the app speaks the language of her profile (German).
    const notice = await other.getByTestId("recovery-prompt").locator(".alert").textContent();
    expect(notice === de("web.secondFactor.promptText", { count: 9 }), notice);
    await capture(other, "account-recovery-prompt-de");
    await other.getByRole("link", { name: de("web.secondFactor.promptNow") }).click();
    await other.waitForURL((url) => url.pathname === "/profile" && url.hash === "#second-factor");
    await other.getByTestId("codes-left").waitFor();
    const left = await other.getByTestId("codes-left").textContent();
    expect(left === de("web.secondFactor.codesLeft", { count: 9 }), left);
    await switchTo(other, "en", en("web.profile.title"));
    await capture(other, "account-second-factor");
  });

  await step("my sessions name the device and the time; this device is marked", async () => {
    await page.goto(`${base}/profile`);
    await page.getByTestId("profile-form").waitFor();
    if ((await page.evaluate(() => document.documentElement.lang)) !== "en")
      await switchTo(page, "en", en("web.profile.title"));
    const list = page.getByTestId("sessions");
    await list.locator("li").nth(1).waitFor();
    const lines = (await list.locator("li").allInnerTexts()).map((l) => l.replace(/\s+/g, " "));
    const firefox = en("web.profile.device", { browser: "Firefox", system: "Windows" });
    expect(
      lines.some((l) => l.includes(firefox) && l.includes("last active")),
      `a Firefox on Windows line: ${lines}`,
    );
    const mine = lines.find((l) => l.includes(en("web.profile.thisSession")));
    expect(mine?.includes("Chrome on Linux"), `this device: ${mine}`);
    await page.getByTestId("sessions-card").scrollIntoViewIfNeeded();
    await capture(page, "account-sessions");
    await switchTo(page, "de", de("web.profile.title"));
    await page.getByText(de("web.profile.device", { browser: "Firefox", system: "Windows" })).waitFor();
    await capture(page, "account-profile-de");
    await switchTo(page, "en", en("web.profile.title"));
  });

  await step("sign out everywhere else ends the laptop's session, not this one", async () => {
    await page.getByTestId("end-other-sessions").click();
    await page.getByText(en("web.profile.othersEnded", { count: 1 })).waitFor();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=sessions] li").length === 1); // only this device
    await other.reload();
    await other.waitForURL((url) => url.pathname === "/login");
  });

  await step("new recovery codes only after a fresh code from the authenticator", async () => {
    const card = page.getByTestId("second-factor");
    await card.getByTestId("renew-codes").click();
    const form = card.getByTestId("renew-codes-form");
    await form.locator("button[type=submit]").click();
    await form.locator(".field-error").waitFor(); // nothing typed: asked for the code
    await form
      .locator("input[name=code]")
      .fill("000000" === totpAt(nina.secret, currentStep()) ? "111111" : "000000");
    await form.locator("button[type=submit]").click();
    // The API's refusal is shown at the field, in place of "required".
    await page.waitForFunction((required) => {
      const error = document.querySelector("[data-testid=renew-codes-form] .field-error");
      return error && error.textContent !== required;
    }, en("web.form.required"));
    await form.locator("input[name=code]").fill(await freshCode(nina.email, nina.secret));
    await form.locator("button[type=submit]").click();
    const sheet = card.getByTestId("recovery-codes");
    await sheet.waitFor();
    const renewed = (await sheet.locator(".recovery-codes li").allTextContents()).map((c) => c.trim());
    expect(renewed.length === 10 && !renewed.some((c) => codes.includes(c)), "ten new codes");
    codes = renewed;
    await capture(page, "account-new-codes");
    await sheet.locator("input[type=checkbox]").check();
    await sheet.locator("button.button").click();
    await card.getByText(en("web.secondFactor.codesRenewed")).waitFor();
    await page.waitForFunction(
      (t) => document.querySelector("[data-testid=codes-left]")?.textContent === t,
      en("web.secondFactor.codesLeft", { count: 10 }),
    );
  });

  await step(
    "a new authenticator app: started with a recovery code, confirmed with a code of the new one",
    async () => {
      const card = page.getByTestId("second-factor");
      await card.getByTestId("new-app").click();
      const form = card.getByTestId("new-app-form");
      await form.locator("button.button-quiet").first().click(); // use a recovery code instead
      await form.locator("input[name=recoveryCode]").fill(codes[0]);
      await form.locator("button[type=submit]").click();
      const confirm = card.getByTestId("new-app-confirm");
      await confirm.waitFor();
      const secret = (await confirm.getByTestId("totp-secret").textContent()).replace(/\s+/g, "");
      expect(secret !== nina.secret, "a new key");
      await capture(page, "account-new-app");
      const now = currentStep();
      await confirm.locator("input[name=code]").fill(totpAt(secret, now));
      await confirm.locator("button[type=submit]").click();
      usedStep(nina.email, now);
      await card.getByText(en("web.secondFactor.appReplaced")).waitFor();
      nina.secret = secret;
    },
  );

  await step(
    "her organisation's audit log: names, actions in words, dates typed the Swiss way (de-CH)",
    async () => {
      await settle(); // the audit events so far, as the host's relay writes them within seconds
      const orgId = await page.evaluate(
        async () => (await (await fetch("/api/me/orgs")).json()).orgs[0].orgId,
      );
      await page.goto(`${base}/orgs/${orgId}/audit`);
      await page.getByTestId("audit-table").waitFor();
      await switchTo(page, "de", de("web.audit.title"));
      const first = page.locator("[data-testid=audit-table] tbody tr").last(); // the oldest: her invitation
      await first.getByText(de("web.audit.actions.staff:invite")).waitFor();
      expect(
        (await first.locator("td").nth(1).textContent()) === de("web.audit.system"),
        "the system by name",
      );
      const since = page.locator("input[name=since]");
      await since.fill("31.02.2026");
      await since.blur();
      await page.getByText(de("web.dateField.invalid")).waitFor();
      const today = new Intl.DateTimeFormat("de-CH", {
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
      }).format(new Date());
      const [d, m, y] = today.split(".");
      await since.fill(`${Number(d)}.${Number(m)}.${y.slice(2)}`); // typed short, as people do
      await since.blur();
      expect((await since.inputValue()) === today, `written out as dd.mm.yyyy: ${await since.inputValue()}`);
      await page.locator("form button[type=submit]").click();
      await first.waitFor();
      await capture(page, "audit-de");
      await switchTo(page, "en", en("web.audit.title"));
      expect((await since.inputValue()) === today.replaceAll(".", "/"), "in English: dd/mm/yyyy");
    },
  );

  await step("signed out, the new authenticator signs her in", async () => {
    await signOutFromHeader(page); // on a phone, behind "Menu" (issue 24.9)
    await page.waitForURL((url) => url.pathname === "/login");
    await signIn(page, nina);
    await page.goto(`${base}/profile`);
    await page.getByTestId("sessions").waitFor();
  });

  assertNoProblems(page);
  await laptop.close();
});
