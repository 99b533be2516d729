// Journey (issue 24): casework as a new user meets it. "My cases" tells cases apart — whose case,
// its status, the viewer's role, when it was opened, its last activity — and a case manager finds
// one by name, status (legal hold too) and order (last activity, opening, name); the employee on a
// phone sees "your case"; the org admin lists every case of the organisation with its last
// activity, filters and orders it, and finds one by the employee's name; each of one's own notes and documents
// says on its card whether it is private or with whom until when. Screens in EN and DE, desktop
// and 360 px.
import {
  assertNoProblems,
  base,
  capture,
  captureBoth,
  currentStep,
  expect,
  fillDay,
  journey,
  newPage,
  signIn,
  step,
  switchLanguage,
  text,
  usedStep,
  world,
} from "./lib.mjs";

const { manager, erik, admin, dora } = world.people;
const en = (key, params) => text("en", key, params);
const de = (key, params) => text("de", key, params);

/** Sign in with a code of a step no earlier journey of this module used. */
async function signInFresh(page, person, path) {
  usedStep(person.email, currentStep());
  await page.goto(`${base}${path}`);
  await page.waitForURL((url) => url.pathname === "/login");
  await signIn(page, person, { expectPath: path });
}

const titles = (page) => page.locator("[data-testid=case-list] .case-link").allTextContents();

let erikPhone = null;

await journey("casework", async (browser) => {
  const page = await newPage(browser);

  await step("the case manager's cases say whose case each is, its status and her role", async () => {
    await signInFresh(page, manager, "/cases");
    await page.getByTestId("case-list").waitFor();
    const listed = await titles(page);
    expect(listed.length >= 2, `her cases: ${listed}`);
    expect(listed.includes(en("web.case.title", { name: "Emma Example" })), `Emma's case by name: ${listed}`);
    expect(
      listed.includes(en("web.case.title", { name: "Erik Beispiel" })),
      `Erik's case by name: ${listed}`,
    );
    expect(new Set(listed).size === listed.length, `no two entries read the same: ${listed}`);
    const erikEntry = page.locator(".case-entry", { hasText: "Erik Beispiel" });
    const meta = await erikEntry.textContent();
    expect(meta.includes(en("web.status.open")), `the case's status: ${meta}`);
    expect(
      meta.includes(en("web.cases.yourRole", { role: en("web.roles.case_manager") })),
      `her role: ${meta}`,
    );
    expect(/\d/.test(await erikEntry.locator(".meta").nth(1).textContent()), "when it was opened");
    expect(
      !meta.includes(en("web.cases.caseAt", { org: "Browser AG" })),
      "not the organisation's name alone",
    );
    // Last activity on every card, in words, newest first (the API's default order).
    const times = await page
      .locator("[data-testid=case-list] [data-testid=last-activity] time")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("datetime")));
    expect(times.length === listed.length && times.every(Boolean), `last activity on every card: ${times}`);
    expect(
      JSON.stringify(times) === JSON.stringify([...times].sort().reverse()),
      `newest activity first: ${times}`,
    );
    const activity = await erikEntry.getByTestId("last-activity").textContent();
    expect(
      activity.startsWith(en("web.cases.lastActivity")) && /ago|now|yesterday/.test(activity),
      `in words: ${activity}`,
    );
    await capture(page, "casework-cases-en");
  });

  await step("she finds a case by name, by status, and orders them by name", async () => {
    const filters = page.getByTestId("case-filters");
    const total = (await titles(page)).length;
    await filters.locator("input[name=q]").fill("erik");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=case-list] li").length === 1);
    expect((await titles(page))[0] === en("web.case.title", { name: "Erik Beispiel" }), "Erik's case found");
    const count = await page.getByTestId("case-count").textContent();
    expect(count === en("web.cases.shown", { shown: 1, total }), `how many are shown: ${count}`);
    await filters.locator("select[name=status]").selectOption("closed");
    await page.getByText(en("web.cases.noMatch")).waitFor();
    await capture(page, "casework-cases-nomatch-en");
    await filters.locator("input[name=q]").fill("");
    await filters.locator("select[name=status]").selectOption("open");
    await filters.locator("select[name=order]").selectOption("name");
    await page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=case-list] li").length === n,
      total,
    );
    const ordered = await titles(page);
    const sorted = [...ordered].sort((a, b) => a.localeCompare(b, "en"));
    expect(JSON.stringify(ordered) === JSON.stringify(sorted), `by name: ${ordered}`);
    // Opened most recently first (the server's order), and only the cases under legal hold.
    await filters.locator("select[name=order]").selectOption("opened");
    await page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=case-list] li").length === n,
      total,
    );
    // An earlier journey may have put a case under legal hold (the list learns it within one
    // relay run): either only held cases are listed, or none, and the filters stay either way.
    await filters.locator("select[name=status]").selectOption("legal_hold");
    await page.waitForFunction(
      ([none, all]) => {
        const items = [...document.querySelectorAll("[data-testid=case-list] li")];
        const held =
          items.length > 0 && items.length < all && items.every((li) => li.querySelector(".tag-hold"));
        return held || document.body.textContent.includes(none);
      },
      [en("web.cases.noMatch"), total],
    );
    expect(
      (await page.getByTestId("case-filters").count()) === 1,
      "the filters stay with the legal-hold filter",
    );
    await filters.locator("select[name=status]").selectOption("all");
    await filters.locator("select[name=order]").selectOption("activity");
    await page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=case-list] li").length === n,
      total,
    );
  });

  await step("the same list in German", async () => {
    await switchLanguage(page, "de");
    await page.getByTestId("case-list").waitFor();
    const listed = await titles(page);
    expect(listed.includes(de("web.case.title", { name: "Erik Beispiel" })), `German titles: ${listed}`);
    expect(
      (await page.getByTestId("case-filters").textContent()).includes(de("web.cases.sortName")),
      "German filters",
    );
    await capture(page, "casework-cases-de");
    await switchLanguage(page, "en"); // the journeys after this one expect her in English
    assertNoProblems(page);
  });

  await step(
    "errors name the field and the rule: someone already in the case, a workload over 100 %",
    async () => {
      await page.goto(`${base}/cases/${world.cases.erik}`);
      const invite = page.getByTestId("invite-form");
      await invite.locator("input[name=name]").fill(dora.name);
      await invite.locator("input[name=email]").fill(dora.email);
      await invite.locator("select[name=role]").selectOption("doctor");
      await invite.locator("button[type=submit]").click();
      const emailError = invite.locator("input[name=email] ~ .field-error");
      await emailError.waitFor();
      expect(
        (await emailError.textContent()) === en("errors.already_participant.detail"),
        `at the e-mail: ${await emailError.textContent()}`,
      );
      expect(
        !(await invite.textContent()).includes(en("errors.invalid_input.detail")),
        "not the generic message",
      );
      await capture(page, "casework-invite-already-participant-en");
      await page.goto(`${base}/cases/${world.cases.erik}/plan`);
      const stage = page.getByTestId("stage-form");
      const workload = stage.locator("input[name=workloadPercent]");
      expect(
        (await workload.getAttribute("min")) === "0" && (await workload.getAttribute("max")) === "100",
        "the number input carries min and max",
      );
      await fillDay(stage.locator("input[name=fromDate]"), "2027-03-01");
      await workload.fill("150");
      await stage.locator("button[type=submit]").click();
      const workloadError = stage.locator("input[name=workloadPercent] ~ .field-error");
      await workloadError.waitFor();
      expect(
        (await workloadError.textContent()) === en("errors.too_large.detail", { limit: 100 }),
        `at the workload: ${await workloadError.textContent()}`,
      );
      await switchLanguage(page, "de");
      await stage.locator("button[type=submit]").click(); // the API answers in the language now chosen
      await page.waitForFunction(
        (text) =>
          document.querySelector("[data-testid=stage-form] input[name=workloadPercent] ~ .field-error")
            ?.textContent === text,
        de("errors.too_large.detail", { limit: 100 }),
      );
      await capture(page, "casework-plan-workload-too-large-de");
      await switchLanguage(page, "en");
      assertNoProblems(page);
    },
  );

  await step(
    "the org admin lists the organisation's cases and finds one by a whole word of the name",
    async () => {
      const adminPage = await newPage(browser);
      await signInFresh(adminPage, admin, `/orgs/${world.orgId}`);
      const lang = await adminPage.evaluate(() => document.documentElement.lang);
      const other = lang === "de" ? "en" : "de";
      const [mine, theirs] = lang === "de" ? [de, en] : [en, de];
      await adminPage.getByRole("link", { name: mine("web.orgCases.title") }).click();
      await adminPage.getByTestId("org-cases").waitFor();
      const all = await adminPage.locator("[data-testid=org-cases] .case-link").allTextContents();
      const title = (name) => mine("web.case.title", { name });
      expect(
        all.includes(title("Emma Example")) && all.includes(title("Erik Beispiel")),
        `every case: ${all}`,
      );
      const activity = await adminPage
        .locator("[data-testid=org-cases] [data-testid=last-activity]")
        .allTextContents();
      expect(
        activity.length === all.length && activity.every((a) => a.startsWith(mine("web.cases.lastActivity"))),
        `last activity: ${activity}`,
      );
      await capture(adminPage, `casework-org-cases-${lang}`);
      // Filtered on the server: no case of the organisation is closed.
      const options = adminPage.getByTestId("org-case-options");
      await options.locator("select[name=status]").selectOption("closed");
      await adminPage.getByTestId("org-cases-none").waitFor();
      expect(
        (await adminPage.getByTestId("org-cases-none").textContent()) === mine("web.orgCases.noneInState"),
        "none closed",
      );
      await options.locator("select[name=status]").selectOption("open");
      await adminPage.getByTestId("org-cases").waitFor();
      await options.locator("select[name=order]").selectOption("opened");
      await adminPage.waitForFunction(
        (n) => document.querySelectorAll("[data-testid=org-cases] li").length === n,
        all.length,
      );
      await options.locator("select[name=status]").selectOption("all");
      const search = adminPage.getByTestId("org-case-search");
      await search.locator("input[name=q]").fill("BEISPIEL");
      await search.locator("button[type=submit]").click();
      await adminPage.waitForFunction(
        () => document.querySelectorAll("[data-testid=org-cases] li").length === 1,
      );
      const [found] = await adminPage.locator("[data-testid=org-cases] .case-link").allTextContents();
      expect(found === title("Erik Beispiel"), `found by the last name: ${found}`);
      await search.locator("input[name=q]").fill("bei");
      await search.locator("button[type=submit]").click();
      await adminPage.getByTestId("org-cases-none").waitFor();
      const none = await adminPage.getByTestId("org-cases-none").textContent();
      expect(none === mine("web.orgCases.noMatch", { query: "bei" }), `whole words only: ${none}`);
      await switchLanguage(adminPage, other);
      await adminPage.getByTestId("org-cases-none").waitFor();
      await capture(adminPage, `casework-org-cases-nomatch-${other}`);
      await adminPage.getByRole("button", { name: theirs("web.orgCases.showAll") }).click();
      await adminPage.getByTestId("org-cases").waitFor();
      await capture(adminPage, `casework-org-cases-${other}`);
      await switchLanguage(adminPage, lang);
      assertNoProblems(adminPage);
    },
  );

  await step("the employee on a phone sees her own case, without filters for a single entry", async () => {
    const phone = await newPage(browser, { width: 360, height: 780, locale: "de-CH" });
    await signInFresh(phone, erik, "/cases");
    await phone.getByTestId("case-list").waitFor();
    const [title] = await titles(phone);
    const lang = await phone.evaluate(() => document.documentElement.lang);
    const words = lang === "de" ? de : en;
    expect(title === words("web.cases.yours", { org: "Browser AG" }), `his case: ${title}`);
    expect((await phone.getByTestId("case-filters").count()) === 0, "no filters for one case");
    await capture(phone, `casework-cases-employee-${lang}`);
    const other = lang === "de" ? "en" : "de";
    await switchLanguage(phone, other);
    await phone.getByTestId("case-list").waitFor();
    const [again] = await titles(phone);
    expect(
      again === (other === "de" ? de : en)("web.cases.yours", { org: "Browser AG" }),
      `in ${other}: ${again}`,
    );
    await capture(phone, `casework-cases-employee-${other}`);
    await switchLanguage(phone, lang);
    assertNoProblems(phone);
    erikPhone = phone;
  });

  await step(
    "a new note says it is private; once shared, the card says with whom and until when",
    async () => {
      const phone = erikPhone;
      await phone.goto(`${base}/cases/${world.cases.erik}/notes`);
      const lang = await phone.evaluate(() => document.documentElement.lang);
      const words = lang === "de" ? de : en;
      const form = phone.getByTestId("note-form");
      await form.locator("input[name=title]").fill("Casework note");
      await form.locator("textarea[name=body]").fill("Only for Dora, until the end of the year.");
      await form.locator("button[type=submit]").click();
      const card = phone.locator("[data-testid=note]", { hasText: "Casework note" });
      await card.waitFor();
      const state = card.getByTestId("sharing-state");
      await state.waitFor();
      expect(
        (await state.textContent()) === words("web.sharing.statePrivate"),
        `private at first: ${await state.textContent()}`,
      );
      await card.getByTestId("share-button").click();
      const dialog = phone.getByTestId("share-dialog");
      await dialog.getByTestId("access-list").waitFor();
      // Nobody is chosen yet: Share cannot share with whoever happens to be first in the list.
      expect((await dialog.locator("select[name=userId]").inputValue()) === "", "nobody pre-selected");
      expect(await dialog.getByTestId("share-submit").isDisabled(), "Share disabled until someone is chosen");
      await captureBoth(phone, `casework-share-dialog-nobody-${lang}`);
      await dialog
        .locator("select[name=userId]")
        .selectOption({ label: `${dora.name} (${words("web.roles.doctor")})` });
      expect(await dialog.getByTestId("share-submit").isEnabled(), "Share enabled once Dora is chosen");
      const until = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
      const year = until.slice(0, 4);
      await fillDay(dialog.locator("input[name=expiresAt]"), until);
      await dialog.getByTestId("share-form").locator("button[type=submit]").click();
      await dialog.locator(".person").nth(1).waitFor();
      await phone.locator("dialog[open] .dialog-head button").click();
      await phone.waitForFunction(
        (title) =>
          [...document.querySelectorAll("[data-testid=note]")].some(
            (n) => n.textContent.includes(title) && n.querySelector("[data-shared=yes]"),
          ),
        "Casework note",
      );
      const shared = await state.textContent();
      const person = words("web.sharing.statePersonUntil", { name: dora.name, date: "" });
      expect(
        shared.startsWith(words("web.sharing.stateShared", { people: person }).trim()) &&
          shared.includes(year),
        `with Dora until ${until}: ${shared}`,
      );
      await captureBoth(phone, `casework-notes-shared-${lang}`);
      const other = lang === "de" ? "en" : "de";
      await switchLanguage(phone, other);
      await card.getByTestId("sharing-state").waitFor();
      const translated = await card.getByTestId("sharing-state").textContent();
      expect(
        translated.includes(dora.name) && translated.includes(year) && translated !== shared,
        `in ${other}: ${translated}`,
      );
      await captureBoth(phone, `casework-notes-shared-${other}`);
      await phone.goto(`${base}/cases/${world.cases.erik}/documents`);
      const upload = phone.getByTestId("upload-form");
      await upload
        .locator("input[type=file]")
        .setInputFiles({ name: "Casework.txt", mimeType: "text/plain", buffer: Buffer.from("Casework\n") });
      await upload.locator("button[type=submit]").click();
      const doc = phone.locator("[data-testid=document]", { hasText: "Casework" });
      await doc.getByTestId("sharing-state").waitFor();
      expect(
        (await doc.getByTestId("sharing-state").textContent()) ===
          (other === "de" ? de : en)("web.sharing.statePrivate"),
        "a new document is private",
      );
      const docStates = await phone.locator("[data-testid=document] [data-testid=sharing-state]").count();
      expect(
        docStates === (await phone.locator("[data-testid=document]").count()),
        "every one of his documents says private or shared",
      );
      await captureBoth(phone, `casework-documents-${other}`);
      await switchLanguage(phone, lang);
      assertNoProblems(phone);
    },
  );

  await step(
    "his document renamed, replaced by a new version, its versions listed; his note edited",
    async () => {
      const phone = erikPhone;
      await phone.goto(`${base}/cases/${world.cases.erik}/documents`);
      const lang = await phone.evaluate(() => document.documentElement.lang);
      const words = lang === "de" ? de : en;
      let doc = phone.locator("[data-testid=document]", { hasText: "Casework" });
      await doc.waitFor();
      await doc.getByRole("button", { name: words("web.documents.rename") }).click();
      await doc.locator("input[name=title]").fill("Casework renamed");
      await doc.locator("form button[type=submit]").click();
      await phone.locator("[data-testid=document] .item-title", { hasText: "Casework renamed" }).waitFor();
      doc = phone.locator("[data-testid=document]", { hasText: "Casework renamed" });
      await doc.getByRole("button", { name: words("web.documents.replace") }).click();
      await doc.locator("input[type=file]").setInputFiles({
        name: "Casework-2.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("Casework, second version\n"),
      });
      const version2 = words("web.documents.versionLabel", { version: 2 });
      await phone.waitForFunction(
        (label) =>
          [...document.querySelectorAll("[data-testid=document]")].some(
            (d) => d.textContent.includes("Casework renamed") && d.textContent.includes(label),
          ),
        version2,
      );
      await doc.getByRole("button", { name: words("web.documents.versions") }).click();
      await doc.locator(".versions li").nth(1).waitFor();
      expect((await doc.locator(".versions li").count()) === 2, "two versions listed");
      await captureBoth(phone, `casework-document-versions-${lang}`);

      await phone.goto(`${base}/cases/${world.cases.erik}/notes`);
      const note = phone.locator("[data-testid=note]", { hasText: "Casework note" });
      await note.getByRole("button", { name: words("web.common.edit") }).click();
      const form = phone.locator("[data-testid=note-list] [data-testid=note-form]"); // not the new-note form
      await form.waitFor();
      await form.locator("textarea[name=body]").fill("Edited: only for Dora.");
      await form.locator("button[type=submit]").click();
      await phone.getByText(words("web.notes.saved")).waitFor(); // said, not only done
      const edited = phone.locator("[data-testid=note]", { hasText: "Casework note" });
      await edited.getByTestId("note-read").click();
      await edited.getByTestId("note-body").waitFor();
      const body = await edited.getByTestId("note-body").textContent();
      expect(body === "Edited: only for Dora.", `the edit was saved: ${body}`);
      assertNoProblems(phone);
    },
  );

  await step(
    "the case overview says what he shares, with whom and until when — the rest is private",
    async () => {
      const phone = erikPhone;
      await phone.goto(`${base}/cases/${world.cases.erik}`);
      const lang = await phone.evaluate(() => document.documentElement.lang);
      const section = phone.getByTestId("what-i-share");
      await section.locator("ul.shared-items li").first().waitFor();
      const listed = await section.locator("ul.shared-items li").allTextContents();
      const note = listed.find((row) => row.includes("Casework note"));
      expect(note && note.includes(dora.name), `the shared note with Dora: ${listed}`);
      expect(
        !listed.some((row) => row.startsWith("Casework ·") || row.startsWith("Casework\u00a0")),
        `the private document is not listed: ${listed}`,
      );
      await captureBoth(phone, `casework-what-i-share-${lang}`);
      const other = lang === "de" ? "en" : "de";
      await switchLanguage(phone, other);
      await section.locator("ul.shared-items li").first().waitFor();
      const theirs = other === "de" ? de : en;
      expect(
        (await section.locator("h2").textContent()) === theirs("web.sharing.whatIShare"),
        "the heading in the other language",
      );
      const again = await section.locator("ul.shared-items li").allTextContents();
      const sharedWith = theirs("web.sharing.stateShared", { people: "" }).trim();
      expect(
        again.some((row) => row.includes(sharedWith)),
        `the rows in ${other} too: ${again}`,
      );
      await captureBoth(phone, `casework-what-i-share-${other}`);
      await switchLanguage(phone, lang);
      assertNoProblems(phone);
    },
  );

  await step("revoking says so in the dialog, and the card says private again", async () => {
    const phone = erikPhone;
    await phone.goto(`${base}/cases/${world.cases.erik}/notes`);
    const lang = await phone.evaluate(() => document.documentElement.lang);
    const words = lang === "de" ? de : en;
    const card = phone.locator("[data-testid=note]", { hasText: "Casework note" });
    await card.getByTestId("share-button").click();
    const dialog = phone.getByTestId("share-dialog");
    await dialog.locator(".person").nth(1).waitFor();
    await dialog.locator(".person", { hasText: dora.name }).getByRole("button").click();
    await dialog
      .getByTestId("share-done")
      .getByText(words("web.sharing.revoked", { name: dora.name }))
      .waitFor();
    await captureBoth(phone, `casework-share-revoked-${lang}`);
    await phone.locator("dialog[open] .dialog-head button").click();
    await phone.waitForFunction(
      (title) =>
        [...document.querySelectorAll("[data-testid=note]")].some(
          (n) => n.textContent.includes(title) && n.querySelector("[data-shared=no]"),
        ),
      "Casework note",
    );
    assertNoProblems(phone);
  });
});
