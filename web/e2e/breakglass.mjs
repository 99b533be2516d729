// Journey (issue 23, SPEC journey 17): Sven, staff with "access all cases" and in no case, finds
// Erik's case by name on his phone and opens it only after ticking "outside my authorisation" and
// giving a reason (refused without); he sees the case. Ada, the org admin, is alerted, opens the
// temporary-access overview from the notification, sees the access with its reason and reads,
// marks it reviewed with a comment and ends it — and the case is gone for Sven. On the case's access
// review she ends Elsa's participation, asks Dora to check her shares and marks the review done.
import {
  assertNoProblems,
  base,
  capture,
  currentStep,
  expect,
  journey,
  newPage,
  settle,
  signIn,
  step,
  usedStep,
  world,
} from "./lib.mjs";

const { sven, admin } = world.people;
const REASON = "Carla is ill; Erik's employer called about tomorrow's shift";

/** Sign in with a code no earlier journey can have used: earlier journeys (other processes) may
 * have taken this step's and the next step's code, so this one waits for the step after. */
async function signInFresh(page, person, path) {
  usedStep(person.email, currentStep() + 1);
  await page.goto(`${base}${path}`);
  await page.waitForURL((url) => url.pathname === "/login");
  await signIn(page, person, { expectPath: path });
}

await journey("breakglass", async (browser) => {
  const phone = await newPage(browser, { width: 360, height: 780 });
  const caseId = world.cases.erik;

  await step("Sven finds Erik's case through the organisation's case search", async () => {
    await signInFresh(phone, sven, "/cases");
    await phone.getByTestId("break-glass-search").locator("a").click();
    await phone.waitForURL((url) => url.pathname === `/orgs/${world.orgId}/cases`);
    const search = phone.getByTestId("org-case-search");
    await search.locator("input[name=q]").fill("erik");
    await search.locator("button[type=submit]").click();
    await phone.waitForFunction(() => document.querySelectorAll("[data-testid=org-cases] li").length === 1);
  });

  await step("the dialog refuses an access without the tick and the reason", async () => {
    await phone.getByTestId("break-glass-open").click();
    const form = phone.getByTestId("break-glass-form");
    await form.waitFor();
    await form.locator("button[type=submit]").click();
    await form.locator(".field-error").first().waitFor();
    expect(new URL(phone.url()).pathname === `/orgs/${world.orgId}/cases`, "still on the search");
    await capture(phone, "breakglass-dialog");
  });

  await step("with the tick and a reason the case opens", async () => {
    const form = phone.getByTestId("break-glass-form");
    await form.locator("input[name=outsideAuthorisation]").check();
    await form.locator("textarea[name=reason]").fill(REASON);
    await form.locator("button[type=submit]").click();
    await phone.waitForURL((url) => url.pathname === `/cases/${caseId}`);
    await phone.locator("h1").waitFor();
    expect((await phone.locator("h1").textContent()).includes("Erik"), "Erik's case");
    await capture(phone, "breakglass-case");
    assertNoProblems(phone);
  });

  const page = await newPage(browser);
  let entry;
  await step("Ada is alerted and opens the temporary-access overview from the alert", async () => {
    await settle();
    await signInFresh(page, admin, "/notifications");
    // Ada's language depends on the journeys before this one: the link is found by where it goes.
    const alert = page.locator(`a[href="/orgs/${world.orgId}/temporary-access"]`).first();
    await alert.waitFor();
    await alert.click();
    await page.waitForURL((url) => url.pathname === `/orgs/${world.orgId}/temporary-access`);
    entry = page.getByTestId("temp-access").filter({ hasText: REASON });
    await entry.waitFor();
    expect((await entry.textContent()).includes(sven.name), "who");
    await page.waitForFunction(
      () => !document.querySelector("[data-testid=temp-access-reads]")?.textContent.includes("…"),
    );
    const reads = await entry.getByTestId("temp-access-reads").textContent();
    expect(/^[1-9]/.test(reads), `Sven's reads are counted: ${reads}`);
  });

  await step("Ada marks it reviewed with a comment", async () => {
    const form = entry.getByTestId("temp-access-review");
    await form.locator("input[name=comment]").fill("Asked Carla: fine");
    await form.locator("button[type=submit]").click();
    await page.getByTestId("temp-access").filter({ hasText: REASON }).locator(".alert-success").waitFor();
    await capture(page, "breakglass-overview");
  });

  await step("Ada ends the access; the case is gone for Sven", async () => {
    await page.getByTestId("temp-access").filter({ hasText: REASON }).getByTestId("temp-access-end").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=temp-access] .tag-ended"));
    const answer = await phone.evaluate(async (path) => (await fetch(path)).status, `/api/cases/${caseId}`);
    expect(answer === 404, `after the end Sven gets ${answer}`);
    assertNoProblems(page);
  });

  await step(
    "Ada reviews who can access Erik's case and ends Elsa's participation in one click",
    async () => {
      await page.goto(`${base}/cases/${caseId}`);
      await page.getByTestId("access-review-link").click();
      await page.waitForURL((url) => url.pathname === `/cases/${caseId}/access-review`);
      await page.getByTestId("review-people").waitFor();
      expect((await page.getByTestId("review-person").count()) === 4, "Erik, Carla, Dora and Elsa");
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=review-shared]").length === 4);
      const elsa = page.getByTestId("review-person").filter({ hasText: world.people.elsa.name });
      await elsa.getByTestId("review-end").click(); // the confirmation is accepted
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=review-person]").length === 3);
      // Dora's shares stay hers: the review can only ask her to check them.
      const dora = page.getByTestId("review-person").filter({ hasText: world.people.dora.name });
      await dora.getByTestId("review-ask").click();
      await page.locator(".alert-success").filter({ hasText: world.people.dora.name }).waitFor();
      // Looking is not reviewing: the page says so until Ada marks the review done.
      const last = page.getByTestId("last-reviewed");
      const before = await last.textContent();
      const form = page.getByTestId("review-done");
      await form.locator("input[name=comment]").fill("Elsa left the team");
      await form.locator("button[type=submit]").click();
      await page.waitForFunction(
        (text) => document.querySelector("[data-testid=last-reviewed]")?.textContent !== text,
        before,
      );
      const after = await last.textContent();
      expect(after.includes(admin.name) && after.includes("Elsa left the team"), `last review: ${after}`);
      await capture(page, "access-review");
      assertNoProblems(page);
    },
  );
});
