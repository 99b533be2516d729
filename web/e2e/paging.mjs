// Journey: lists longer than one page. The case manager opens a case of her own and writes 60
// notes (more than the API's default page of 50); the notes tab shows the first page and "Show
// more", which brings the rest (announced in a live region) until the list says all are shown. A
// token the API no longer accepts restarts the list from page 1 with a notice. The org admin's
// audit log — by now more than a page too — follows its continuation the same way. Dr. Dora gets
// more notifications than a page; "mark all as read" marks those not yet shown too.
import {
  assertNoProblems,
  base,
  capture,
  expect,
  freshCode,
  journey,
  newPage,
  settle,
  step,
  text,
  world,
} from "./lib.mjs";

const { manager, admin, dora } = world.people;
const en = (key, params) => text("en", key, params);
const NOTES = 60;
const SHARED = 55; // notes the case manager shares with Dr. Dora in Erik's case: as many notifications
const PAGE = 50; // the API's default page size (the app sends no limit)
const NOTIFICATION_PAGE = 25; // the notifications' default page: each is named on reading (issue 24.6)

/** Requests as the signed-in user, from inside the page (its session cookie and CSRF token). */
async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await (await fetch("/api/auth/session")).json();
      const headers = { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken };
      const response = await fetch(path, { method, headers, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    },
    { method, path, body },
  );
}

/** Sign in like lib.mjs's signIn, but another code if the server refuses one: the other journeys
 * (other processes) signed the same people in, so a code of this 30 s step may be spent. */
async function signIn(page, user) {
  await page.goto(`${base}/login`);
  const form = page.getByTestId("login-form");
  await form.locator("input[name=email]").fill(user.email);
  await form.locator("input[name=password]").fill(user.password);
  await form.locator("button[type=submit]").click();
  const second = page.getByTestId("second-factor-form");
  for (let attempt = 1; ; attempt += 1) {
    await second.locator("input[name=code]").fill(await freshCode(user.email, user.secret));
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/auth/login/second-factor"));
    await second.locator("button[type=submit]").click();
    if ((await answer).ok()) {
      await page.waitForURL((url) => !url.pathname.startsWith("/login"));
      return;
    }
    expect(attempt < 3, `${user.email}: three codes refused`);
  }
}

const showMore = (page) => page.getByTestId("load-more").locator("button");
const noteTitles = (page) => page.getByTestId("note").locator(".item-title").allTextContents();

await journey("paging", async (browser) => {
  const page = await newPage(browser);
  let caseId = "";

  await step(`the case manager opens a case and writes ${NOTES} notes (over the API)`, async () => {
    await signIn(page, manager);
    const body = {
      employee: { name: "Paula Paging", email: "paula.paging@browser.invalid", language: "en" },
    };
    const created = await api(page, "POST", `/api/orgs/${world.orgId}/cases`, body);
    expect(created.status === 201, `case: ${created.status}`);
    caseId = created.body.caseId;
    for (let i = 1; i <= NOTES; i += 1) {
      const title = `Paging note ${String(i).padStart(2, "0")}`;
      const note = await api(page, "POST", `/api/cases/${caseId}/notes`, { title, body: `Text ${i}` });
      expect(note.status === 201, `note ${i}: ${note.status}`);
    }
  });

  await step(`the notes tab shows the first ${PAGE} and "Show more"`, async () => {
    await page.goto(`${base}/cases/${caseId}/notes`);
    await page.getByTestId("note-list").waitFor();
    expect(
      (await page.getByTestId("note").count()) === PAGE,
      `${PAGE} notes on the first page: ${await page.getByTestId("note").count()}`,
    );
    const button = showMore(page);
    await button.waitFor();
    expect((await button.textContent()) === en("web.common.loadMore"), "the button's text");
    const name = await button.getAttribute("aria-label");
    expect(
      name === en("web.paging.moreLabel", { list: en("web.notes.title") }),
      `the button names its list: ${name}`,
    );
    await button.scrollIntoViewIfNeeded();
    await capture(page, "paging-notes-first-page");
  });

  await step('"Show more" brings the other notes, says so, and then says all are shown', async () => {
    await showMore(page).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=note]").length === n, NOTES);
    const titles = await noteTitles(page);
    const expected = Array.from({ length: NOTES }, (_, i) => `Paging note ${String(i + 1).padStart(2, "0")}`);
    expect(
      new Set(titles).size === NOTES,
      `no note twice: ${titles.length} shown, ${new Set(titles).size} distinct`,
    );
    expect(
      expected.every((title) => titles.includes(title)),
      "every note is shown",
    );
    const live = page.getByTestId("load-more").locator("[role=status]");
    expect(
      (await live.textContent()) === en("web.paging.moreShown", { count: NOTES - PAGE }),
      `live region: ${await live.textContent()}`,
    );
    expect((await showMore(page).count()) === 0, "no more pages, no button");
    const end = page.getByText(en("web.paging.allShown", { count: NOTES }));
    await end.waitFor();
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(
      focused === en("web.paging.allShown", { count: NOTES }),
      `the focus moves to the end of the list: ${focused}`,
    );
    await capture(page, "paging-notes-all");
  });

  await step("a token the API does not accept restarts the list from page 1, with a notice", async () => {
    await page.reload();
    await showMore(page).waitFor();
    // The token is opaque to the app; here it is spoiled on its way, as a stale one would be refused.
    const nextPage = (url) => url.pathname.endsWith("/notes") && url.searchParams.has("continuation");
    await page.route(nextPage, (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set("continuation", "stale-token");
      return route.continue({ url: url.toString() });
    });
    const refused = page.waitForResponse((r) => r.url().includes("continuation=stale-token"));
    await showMore(page).click();
    expect((await refused).status() === 400, "the API refuses the token");
    const notice = page.getByTestId("load-more").getByText(en("web.paging.restarted"));
    await notice.waitFor();
    await page.unroute(nextPage);
    expect((await page.getByTestId("note").count()) === PAGE, "the first page again");
    await notice.scrollIntoViewIfNeeded();
    await capture(page, "paging-notes-restarted");
    await showMore(page).click();
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=note]").length === n, NOTES);
    await page.getByTestId("sign-out").click();
    await page.waitForURL((url) => url.pathname === "/login");
  });

  await step(
    `the case manager shares ${SHARED} notes with Dr. Dora in Erik's case (over the API)`,
    async () => {
      await signIn(page, manager);
      const erikCase = world.cases.erik;
      const summary = await api(page, "GET", `/api/cases/${erikCase}`);
      const doraId = summary.body.participants.find((p) => p.role === "doctor").userId;
      for (let i = 1; i <= SHARED; i += 1) {
        const note = await api(page, "POST", `/api/cases/${erikCase}/notes`, {
          title: `For Dora ${i}`,
          body: `Text ${i}`,
        });
        expect(note.status === 201, `note ${i}: ${note.status}`);
        const shared = await api(
          page,
          "PUT",
          `/api/cases/${erikCase}/notes/${note.body.id}/grants/${doraId}`,
          { expiresAt: null },
        );
        expect(shared.status === 200, `share ${i}: ${shared.status}`);
      }
      await settle(); // the notifications, as the host's relay would write them
      await page.getByTestId("sign-out").click();
      await page.waitForURL((url) => url.pathname === "/login");
    },
  );

  await step(
    'Dr. Dora: "mark all as read" marks the notifications not shown yet too; then "Show more"',
    async () => {
      await signIn(page, dora);
      await page.goto(`${base}/notifications`);
      await page.getByTestId("notification-list").waitFor();
      const items = page.getByTestId("notification");
      expect(
        (await items.count()) === NOTIFICATION_PAGE,
        `a first page of ${NOTIFICATION_PAGE}: ${await items.count()}`,
      );
      await page.getByTestId("unread-badge").waitFor();
      await page.locator("main .actions button").nth(1).click(); // mark all as read
      await page.getByTestId("unread-badge").waitFor({ state: "detached" });
      await page.waitForFunction(
        () => document.querySelectorAll("[data-testid=notification].unread").length === 0,
      );
      await showMore(page).click();
      await page.waitForFunction(
        (n) => document.querySelectorAll("[data-testid=notification]").length > n,
        NOTIFICATION_PAGE,
      );
      expect(
        (await page.locator("[data-testid=notification].unread").count()) === 0,
        "those on the next page were marked read too",
      );
      await capture(page, "paging-notifications");
      await page.getByTestId("sign-out").click();
      await page.waitForURL((url) => url.pathname === "/login");
    },
  );

  await step("the org admin's audit log follows its continuation too", async () => {
    await settle(); // the audit events of the notes above, as the host's relay would write them
    await signIn(page, admin);
    await page.goto(`${base}/orgs/${world.orgId}/audit`);
    await page.getByTestId("audit-table").waitFor();
    const rows = page.locator("[data-testid=audit-table] tbody tr");
    expect((await rows.count()) === PAGE, `a first page of ${PAGE}: ${await rows.count()}`);
    await showMore(page).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=audit-table] tbody tr").length > n,
      PAGE,
    );
    await capture(page, "paging-audit");
  });

  assertNoProblems(page);
});
