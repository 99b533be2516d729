// Journey: the case manager opens a case (field errors first), invites an employer, edits the
// integration plan — including a concurrent change that the app reports instead of losing —
// and closes and reopens the case; the org admin manages staff and invitations, reads and
// filters the audit log and sets a legal hold.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  assertNoProblems,
  base,
  capture,
  expect,
  fillDay,
  journey,
  lastLinkToken,
  newPage,
  settle,
  signIn,
  step,
  text,
  world,
} from "./lib.mjs";

const { manager, admin, emma } = world.people;
const en = (key, params) => text("en", key, params);

/** The newest e-mail to ``email`` in the local outbox (after lastLinkToken settled the queue). */
function lastMailTo(email) {
  const names = readdirSync(world.outbox)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .reverse();
  const mails = names.map((n) => JSON.parse(readFileSync(join(world.outbox, n), "utf8")));
  return mails.find((m) => m.to === email);
}

async function api(page, method, path, body, etag) {
  return page.evaluate(
    async ({ method, path, body, etag }) => {
      const session = await (await fetch("/api/auth/session")).json();
      const headers = { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken };
      if (etag) headers["If-Match"] = etag;
      const response = await fetch(path, { method, headers, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    },
    { method, path, body, etag },
  );
}

await journey("staff", async (browser) => {
  const page = await newPage(browser);
  const h1 = page.locator("h1");
  let caseId = "";

  await step("the case manager sees her cases and the form to open one", async () => {
    await signIn(page, manager, { expectPath: "/cases" });
    await page.getByTestId("case-list").waitFor();
    expect((await page.locator(".case-list li").count()) === 2, "two cases");
    await page.getByTestId("new-case-form").waitFor();
  });

  await step("opening a case: a missing and a malformed e-mail are shown at the field", async () => {
    const form = page.getByTestId("new-case-form");
    await form.locator("input[name=name]").fill("Nina Neu");
    await form.locator("button[type=submit]").click();
    const error = form.locator("input[name=email] ~ .field-error");
    await error.waitFor();
    expect((await error.textContent()) === en("web.form.required"), "required e-mail");
    await form.locator("input[name=email]").fill("not-an-address");
    await form.locator("button[type=submit]").click();
    await page.waitForFunction((required) => {
      const message = document.querySelector("[data-testid=new-case-form] input[name=email] ~ .field-error");
      return message && message.textContent !== required;
    }, en("web.form.required"));
    const invalid = await form.locator("input[name=email] ~ .field-error").textContent();
    expect(
      invalid === en("errors.invalid_email.detail"),
      `the API's own words for a bad address: ${invalid}`,
    );
    await capture(page, "new-case-error");
    await form.locator("input[name=email]").fill("nina.neu@browser.invalid");
    await form.locator("select[name=language]").selectOption("de");
    await form.locator("button[type=submit]").click();
    await page.waitForURL((url) => /^\/cases\/[0-9a-f]+$/.test(url.pathname));
    caseId = new URL(page.url()).pathname.split("/")[2];
    await page.getByTestId("participants").waitFor();
    expect((await h1.textContent()) === en("web.case.title", { name: "Nina Neu" }), "the new case");
  });

  await step("inviting an employer contact into the case", async () => {
    const form = page.getByTestId("invite-form");
    await form.locator("input[name=name]").fill("Emil Employer");
    await form.locator("input[name=email]").fill("emil.employer@browser.invalid");
    await form.locator("select[name=role]").selectOption("employer");
    await form.locator("button[type=submit]").click();
    await page
      .getByText(en("web.participants.invited", { email: "emil.employer@browser.invalid" }))
      .waitFor();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=participants] li").length === 3);
    await capture(page, "manager-case");
    // Someone who already has an account (the org admin) is invited too: she accepts after signing in.
    await form.locator("input[name=name]").fill(admin.name);
    await form.locator("input[name=email]").fill(admin.email);
    await form.locator("button[type=submit]").click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=participants] li").length === 4);
  });

  await step("the plan: a stage needs a start date; then it is on the timeline", async () => {
    await page.locator(".tabs a[href$='/plan']").click();
    const form = page.getByTestId("stage-form");
    await form.locator("input[name=workloadPercent]").fill("50");
    await form.locator("textarea[name=tasks]").fill("Half days, no night shifts");
    await form.locator("button[type=submit]").click();
    await form.locator(".date-field:has(input[name=fromDate]) .field-error").waitFor();
    await fillDay(form.locator("input[name=fromDate]"), "2027-01-10");
    await form.locator("button[type=submit]").click();
    await page.getByTestId("plan-timeline").waitFor();
    expect((await page.locator(".timeline-item").count()) === 1, "one stage");
  });

  await step("a concurrent change of the stage is reported (412), not overwritten", async () => {
    const { body } = await api(page, "GET", `/api/cases/${caseId}/plan`);
    const stage = body.stages[0];
    const other = {
      fromDate: stage.fromDate,
      workloadPercent: 60,
      tasks: "Changed by a colleague",
      nextReview: null,
    };
    const changed = await api(
      page,
      "PUT",
      `/api/cases/${caseId}/plan/stages/${stage.stageId}`,
      other,
      stage.etag,
    );
    expect(changed.status === 200, `the colleague's change: ${changed.status}`);
    await page.locator(".timeline-item button").first().click(); // edit (the page still has the old ETag)
    const form = page.getByTestId("stage-form");
    await form.locator("input[name=workloadPercent]").fill("70");
    const reloaded = page.waitForResponse(
      (r) => r.url().endsWith(`/cases/${caseId}/plan`) && r.request().method() === "GET",
    );
    await form.locator("button[type=submit]").click();
    await reloaded; // after the 412 the app fetched the current version (and its ETag)
    const alert = page.locator("[data-testid=stage-form] .alert-error");
    await alert.waitFor();
    expect(
      (await alert.textContent()).includes(text("en", "errors.concurrency_conflict.detail")),
      "412 explained",
    );
    await capture(page, "plan-conflict");
    await form.locator("button[type=submit]").click(); // saved again, now on the current version
    await page.waitForFunction(() =>
      document.querySelector(".timeline .workload")?.textContent.includes("70"),
    );
    await page.locator("button[aria-expanded]").last().click();
    await page.locator(".history li").nth(2).waitFor();
    await capture(page, "manager-plan");
  });

  await step("closing and reopening the case", async () => {
    await page.locator(".tabs a").first().click();
    await page.getByTestId("close-reopen").click();
    await page.locator(".meta .tag-closed").waitFor();
    expect((await page.getByTestId("invite-form").count()) === 0, "no invitations into a closed case");
    await page.getByTestId("close-reopen").click();
    await page.locator(".meta .tag-open").waitFor();
    await page.getByTestId("sign-out").click();
    await page.waitForURL((url) => url.pathname === "/login");
  });

  await step("an existing account is told it was added, signs in and is in the case at once", async () => {
    const token = await lastLinkToken(admin.email);
    // Issue 24: not "choose a password and set up an authenticator" — she has an account.
    const mail = lastMailTo(admin.email);
    expect(
      [text("en", "email.caseAdded.subject"), text("de", "email.caseAdded.subject")].includes(mail.subject),
      `the e-mail says she was added: ${mail.subject}`,
    );
    await page.goto(`${base}/onboarding#token=${token}`);
    const joinTitles = [text("en", "web.onboarding.joinTitle"), text("de", "web.onboarding.joinTitle")];
    await page.waitForFunction(
      (titles) => titles.includes(document.querySelector("h1")?.textContent),
      joinTitles,
    );
    await capture(page, "join-case-signed-out");
    const lang = await page.evaluate(() => document.documentElement.lang);
    await page.getByTestId("language-switch").click();
    await page.waitForFunction((before) => document.documentElement.lang !== before, lang);
    await capture(page, "join-case-signed-out-other-language");
    await page.getByTestId("language-switch").click();
    await page.waitForFunction((before) => document.documentElement.lang === before, lang);
    await page.locator("main a.button").click(); // "sign in to accept"
    await signIn(page, admin);
    // One step after signing in: no "accept" button, no "open the case" link — the case itself.
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}`);
    // The link again, on another device: "link already used" — with the way on, signing in.
    const elsewhere = await newPage(browser, { width: 360, height: 780 });
    await elsewhere.goto(`${base}/onboarding#token=${token}`);
    await elsewhere.getByTestId("used-link-sign-in").waitFor();
    await capture(elsewhere, "link-already-used");
    await elsewhere.getByTestId("language-switch").click();
    await elsewhere.waitForFunction(() => document.documentElement.lang === "de");
    expect(
      (await elsewhere.getByTestId("used-link-sign-in").textContent()) === text("de", "web.login.signIn"),
      "in German too",
    );
    await capture(elsewhere, "link-already-used-de");
    await elsewhere.getByTestId("used-link-sign-in").locator("a").click();
    await elsewhere.waitForURL((url) => url.pathname === "/login");
    await elsewhere.context().close();
    await page.getByTestId("participants").waitFor();
    // Overview, dashboard, plan, documents, notes (and the tabs added since): the reflections tab
    // is the employee's only.
    const tabs = await page.locator(".tabs a").count();
    expect(
      tabs >= 5 && (await page.locator(".tabs a[href$='/reflections']").count()) === 0,
      `as a participant she sees the case's sections (${tabs})`,
    );
  });

  await step("the org admin sees staff and invites a staff member", async () => {
    if ((await page.locator("html").getAttribute("lang")) !== "en") {
      await page.getByTestId("language-switch").click(); // her account is in German
      await page.waitForFunction(() => document.documentElement.lang === "en");
    }
    // Straight on to another page (a full load) before the switch's save could finish: the
    // language just chosen stays, it does not fall back to the account's older preference.
    await page.goto(`${base}/orgs/${world.orgId}`);
    await page.getByTestId("staff").waitFor();
    expect(
      (await page.locator("html").getAttribute("lang")) === "en",
      "the language chosen stays after a reload",
    );
    expect(
      (await page.getByTestId("staff-member").count()) === 3,
      "admin, case manager and Sven (break-glass staff)",
    );
    const form = page.getByTestId("staff-invite-form");
    await form.locator("input[name=name]").fill("Carl Colleague");
    await form.locator("input[name=email]").fill("carl.colleague@browser.invalid");
    await form.locator("button[type=submit]").click();
    await page
      .getByTestId("invitations")
      .locator("li", { hasText: "carl.colleague@browser.invalid" })
      .waitFor();
    await capture(page, "org-staff");
  });

  await step("resending and withdrawing a staff invitation", async () => {
    const item = page.getByTestId("invitations").locator("li", { hasText: "carl.colleague@browser.invalid" });
    const email = "carl.colleague@browser.invalid";
    await item.locator("button").first().click(); // resend: a new link, the old one dies
    await page.getByText(en("web.org.resent", { email })).waitFor();
    await item.locator("button").nth(1).click();
    await page.getByText(en("web.org.revoked", { email })).waitFor();
    await item.locator(".tag-revoked").waitFor();
    expect((await item.locator("button").count()) === 0, "a withdrawn invitation offers no actions");
  });

  await step(
    "the case manager may open any case in an emergency (saved with the member's ETag)",
    async () => {
      const member = page.getByTestId("staff-member").filter({ hasText: manager.name });
      await member.locator("input[name=accessAllCases]").check();
      await member.locator("button.button").click();
      await page.reload();
      await page.getByTestId("staff").waitFor();
      const checked = await page
        .getByTestId("staff-member")
        .filter({ hasText: manager.name })
        .locator("input[name=accessAllCases]")
        .isChecked();
      expect(checked, "access all cases saved");
    },
  );

  await step("the audit log, filtered by action", async () => {
    await settle(); // the host's relay would do this within seconds
    await page.getByRole("link", { name: en("web.audit.title") }).click();
    await page.getByTestId("audit-table").waitFor();
    // Actions are chosen from a list and shown in words, with their code beside (issue 25).
    await page.locator("select[name=action]").selectOption("case:create");
    await page.locator("form button[type=submit]").click();
    await page.waitForFunction((label) => {
      const cells = [...document.querySelectorAll("[data-testid=audit-table] tbody td:nth-child(3)")];
      return cells.length > 0 && cells.every((cell) => cell.textContent === `${label} case:create`);
    }, en("web.audit.actions.case:create"));
    expect(
      (await page.locator("[data-testid=audit-table] tbody tr").count()) === 3,
      "three cases were opened",
    );
    const actors = await page.locator("[data-testid=audit-table] tbody td:nth-child(2)").allTextContents();
    expect(
      actors.every((name) => name === world.people.manager.name),
      `people by name: ${actors}`,
    );
    await capture(page, "audit");
  });

  await step("the org admin sets a legal hold on a case; she never sees its content", async () => {
    await page.goto(`${base}/cases/${world.cases.emma}`);
    await page.getByTestId("participants").waitFor();
    expect((await page.locator(".tabs a").count()) === 1, "overview only: no plan, documents or notes");
    expect((await h1.textContent()) === en("web.case.title", { name: emma.name }), "case title");
    await page.getByTestId("legal-hold").click();
    await page.getByText(en("web.case.legalHoldOn")).waitFor();
    await page.reload();
    await page.getByText(en("web.case.legalHoldOn")).waitFor();
    await capture(page, "admin-case");
    // The menu learns the organisations after the page (GET /api/me/orgs): wait for it, then count.
    const orgLink = page.locator(`nav a[href='/orgs/${world.orgId}']`);
    await orgLink
      .first()
      .waitFor({ timeout: 5000 })
      .catch(() => {});
    expect((await orgLink.count()) === 1, "the organisation is in the menu");
  });

  assertNoProblems(page);
});
