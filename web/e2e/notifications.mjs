// Journey (issue 24.6 and 24.9): notifications say who did what on which case, and the header
// fits a phone. Erik (German, desktop) shares "Arztzeugnis November" with Carla, the case
// manager (German, 360 px phone): her notification reads "Erik Beispiel hat das Dokument
// «Arztzeugnis November» mit Ihnen geteilt — Fall von Erik Beispiel", in English after the
// switch; the e-mail notice names nobody. Erik revokes: the same notification now reads the
// neutral text, without his name, the title or a link. On the phone the header is one line;
// "Menu" opens the navigation from the keyboard and Escape closes it; at desktop the navigation
// is in the header row.
import {
  assertNoProblems,
  base,
  capture,
  captureBoth,
  checkAccessibility,
  checkNoOverflow,
  currentStep,
  expect,
  journey,
  newPage,
  screenshot,
  settle,
  signIn,
  step,
  switchLanguage,
  text,
  usedStep,
  world,
} from "./lib.mjs";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// Carla, the case manager, stands in for any recipient (Elsa may have been removed from the case
// by the break-glass journey's access review by now).
const { erik, manager: carla } = world.people;
const caseId = world.cases.erik;
const en = (key, params) => text("en", key, params);
const de = (key, params) => text("de", key, params);
const TITLE = "Arztzeugnis November";
const PHONE = { width: 360, height: 780 };

async function signInFresh(page, person, path) {
  usedStep(person.email, currentStep());
  await page.goto(`${base}${path}`);
  await page.waitForURL((url) => url.pathname === "/login");
  await signIn(page, person, { expectPath: path });
}

/** The notification about the document, newest first. */
const notice = (page) => page.getByTestId("notification").first();

await journey("notifications", async (browser) => {
  const erikPage = await newPage(browser, { locale: "de-CH" });
  const carlaPage = await newPage(browser, { ...PHONE, locale: "de-CH" });

  await step("Erik uploads “Arztzeugnis November” and shares it with Carla", async () => {
    await signInFresh(erikPage, erik, `/cases/${caseId}/documents`);
    await switchLanguage(erikPage, "de");
    const form = erikPage.getByTestId("upload-form");
    await form.locator("input[type=file]").setInputFiles({
      name: "zeugnis.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4\n%%EOF\n"),
    });
    await form.locator("input[name=title]").fill(TITLE);
    await form.locator("button[type=submit]").click();
    const card = erikPage.getByTestId("document").filter({ hasText: TITLE });
    await card.waitFor();
    await card.getByTestId("share-button").click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog.getByTestId("access-list").waitFor();
    await dialog
      .locator("select[name=userId]")
      .selectOption({ label: `${carla.name} (${de("web.roles.case_manager")})` });
    await dialog.getByTestId("share-form").locator("button[type=submit]").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 2,
    );
    await erikPage.locator("dialog .dialog-head button").click();
  });

  await step("on Carla's phone the header is one line; the unread count is on the Menu button", async () => {
    await signInFresh(carlaPage, carla, "/cases");
    await switchLanguage(carlaPage, "de");
    await carlaPage.getByTestId("case-list").waitFor();
    const header = await carlaPage.locator(".site-header").boundingBox();
    expect(header.height <= 64, `the header is ${header.height}px high at 360 px (one line)`);
    const menu = carlaPage.getByTestId("menu-button");
    expect((await menu.textContent()).startsWith(de("web.layout.menu")), "the button says Menü");
    await menu.getByTestId("unread-badge").waitFor();
    expect(!(await carlaPage.locator("nav").isVisible()), "the navigation waits behind the button");
    await checkNoOverflow(carlaPage, "cases at 360 px");
    await screenshot(carlaPage, "phone-header-closed-de");
  });

  await step(
    "Menu opens from the keyboard, Tab walks into it, Escape closes it and returns to the button",
    async () => {
      const menu = carlaPage.getByTestId("menu-button");
      await menu.focus();
      await carlaPage.keyboard.press("Enter");
      await carlaPage.locator("nav a[href='/notifications']").waitFor();
      expect((await menu.getAttribute("aria-expanded")) === "true", "aria-expanded is true when open");
      await checkAccessibility(carlaPage, "phone menu open (de)");
      await screenshot(carlaPage, "phone-menu-open-de");
      await carlaPage.keyboard.press("Tab");
      const focused = await carlaPage.evaluate(() => document.activeElement?.getAttribute("href"));
      expect(focused === "/cases", `Tab goes to the first link of the menu: ${focused}`);
      await carlaPage.keyboard.press("Escape");
      await carlaPage.locator("nav").waitFor({ state: "hidden" });
      expect(await menu.evaluate((el) => el === document.activeElement), "focus is back on the Menu button");
      expect((await menu.getAttribute("aria-expanded")) === "false", "aria-expanded is false when closed");
    },
  );

  await step("Carla reads who shared what, in whose case — in German, then in English", async () => {
    await carlaPage.getByTestId("menu-button").click();
    await carlaPage.locator("nav a[href='/notifications']").click();
    await carlaPage.waitForURL((url) => url.pathname === "/notifications");
    expect(!(await carlaPage.locator("nav").isVisible()), "following a link closes the menu");
    await notice(carlaPage).waitFor();
    const namedDe = de("web.notifications.named.share.doc", { actor: erik.name, title: TITLE });
    expect(
      (await notice(carlaPage).locator("a").textContent()) === namedDe,
      `German text: ${await notice(carlaPage).textContent()}`,
    );
    await notice(carlaPage)
      .getByText(de("web.notifications.caseOf", { name: erik.name }))
      .waitFor();
    await captureBoth(carlaPage, "notifications-named-de");
    await switchLanguage(carlaPage, "en");
    const namedEn = en("web.notifications.named.share.doc", { actor: erik.name, title: TITLE });
    await notice(carlaPage).locator("a", { hasText: namedEn }).waitFor();
    await notice(carlaPage)
      .getByText(en("web.notifications.caseOf", { name: erik.name }))
      .waitFor();
    await captureBoth(carlaPage, "notifications-named-en");
    await carlaPage.getByTestId("menu-button").click();
    await screenshot(carlaPage, "phone-menu-open-en");
    await carlaPage.keyboard.press("Escape");
  });

  await step("the e-mail notice names nobody and nothing", async () => {
    await settle();
    const outbox = world.outbox;
    const mails = readdirSync(outbox)
      .filter((n) => n.endsWith(".json"))
      .map((n) => JSON.parse(readFileSync(join(outbox, n), "utf8")));
    for (const mail of mails.filter((m) => m.to === carla.email)) {
      const all = `${mail.subject}\n${mail.text}\n${mail.html ?? ""}`;
      expect(
        !all.includes(TITLE) && !all.includes("Erik") && !all.includes("Beispiel"),
        `an e-mail to Carla names something: ${mail.subject}`,
      );
    }
  });

  await step("Erik revokes: Carla's notification turns neutral — no name, no title, no link", async () => {
    await erikPage.reload();
    const card = erikPage.getByTestId("document").filter({ hasText: TITLE });
    await card.getByTestId("share-button").click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog.locator(".person").filter({ hasText: carla.name }).locator("button").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 1,
    );
    await erikPage.locator("dialog .dialog-head button").click();
    await carlaPage.reload();
    const gone = notice(carlaPage).getByTestId("notification-gone");
    await gone.waitFor();
    expect(
      (await gone.textContent()) === en("web.notifications.gone.item"),
      `neutral text: ${await gone.textContent()}`,
    );
    const all = await notice(carlaPage).textContent();
    expect(!all.includes(TITLE), `the title is gone: ${all}`);
    expect((await notice(carlaPage).locator("a").count()) === 0, "no link to an item she cannot open");
    await captureBoth(carlaPage, "notifications-revoked-en");
  });

  await step("at desktop width the navigation is in the header row and Menu is not shown", async () => {
    await erikPage.goto(`${base}/notifications`);
    await erikPage.locator("main h1").waitFor();
    expect(!(await erikPage.getByTestId("menu-button").isVisible()), "no Menu button at desktop width");
    await erikPage.locator("nav a[href='/cases']").waitFor();
    const header = await erikPage.locator(".site-header").boundingBox();
    expect(header.height <= 64, `the desktop header is ${header.height}px high (one row)`);
    await capture(erikPage, "notifications-desktop-de");
  });

  assertNoProblems(erikPage);
  assertNoProblems(carlaPage);
});
