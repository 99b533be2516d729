// Journey (issue 22, SPEC journey 16): Olaf, a platform support operator, asks Browser AG for
// access on his phone with a reason and the ticket's reference; Ada, the org admin, approves it
// narrowed to two hours; Olaf activates it with a fresh code from his authenticator, looks at the
// cases — pseudonymised: no real name anywhere — and Ada revokes it: Olaf's next request is refused.
import {
  assertNoProblems,
  base,
  capture,
  expect,
  freshCode,
  journey,
  newPage,
  settle,
  signIn,
  step,
  world,
} from "./lib.mjs";

const { olaf, admin } = world.people;
const REASON = "Customer reports the plan page does not load";
const TICKET = "SUP-2026-118";
const REAL_NAMES = ["Emma Example", "Erik Beispiel", "Carla Case", "Dr. Dora Doctor", "Elsa Employer"];

await journey("support", async (browser) => {
  const phone = await newPage(browser, { width: 360, height: 780 });
  let grant;

  await step("Olaf asks Browser AG for access with a reason and the ticket", async () => {
    await phone.goto(`${base}/login?next=${encodeURIComponent("/support")}`);
    await signIn(phone, olaf, { expectPath: "/support" });
    await phone.getByTestId("menu-button").click();
    await phone.locator('#site-menu a[href="/support"]').waitFor(); // operators find it in the menu
    await phone.getByTestId("menu-button").click();
    const form = phone.getByTestId("support-request-form");
    await form.locator("button[type=submit]").click(); // nothing filled in: refused, nothing sent
    await form.locator(".field-error, .alert-error").first().waitFor();
    await form.locator("input[name=orgId]").fill(world.orgId);
    await form.locator("input[name=reason]").fill(REASON);
    await form.locator("input[name=ticket]").fill(TICKET);
    await form.locator("input[name=hours]").fill("4");
    await form.locator("button[type=submit]").click();
    grant = phone.getByTestId("support-grant").filter({ hasText: TICKET });
    await grant.locator(".tag-requested").waitFor();
    await capture(phone, "support-request");
    assertNoProblems(phone);
  });

  const page = await newPage(browser);
  await step("Ada approves it narrowed to two hours", async () => {
    await settle();
    await page.goto(`${base}/login?next=${encodeURIComponent(`/orgs/${world.orgId}/support`)}`);
    await signIn(page, admin, { expectPath: `/orgs/${world.orgId}/support` });
    const entry = page
      .getByTestId("org-support-pending")
      .getByTestId("org-support-grant")
      .filter({ hasText: TICKET });
    await entry.waitFor();
    expect((await entry.textContent()).includes(REASON), "the reason is shown");
    await capture(page, "support-admin-pending");
    await entry.locator("input[name=hours]").fill("2");
    await entry.getByTestId("support-approve").click();
    await page
      .getByTestId("org-support-all")
      .getByTestId("org-support-grant")
      .filter({ hasText: TICKET })
      .locator(".tag-approved")
      .waitFor();
    assertNoProblems(page);
  });

  await step("Olaf activates it with a fresh code from his authenticator", async () => {
    await phone.reload();
    grant = phone.getByTestId("support-grant").filter({ hasText: TICKET });
    const form = grant.getByTestId("support-activate");
    await form.waitFor();
    await form.locator("input[name=code]").fill(await freshCode(olaf.email, olaf.secret));
    await form.locator("button[type=submit]").click();
    await grant.locator(".tag-active").waitFor();
  });

  let viewsPath;
  await step("Olaf looks at the cases: read-only and pseudonymised", async () => {
    await grant.getByTestId("support-open").click();
    await phone.waitForURL((url) => url.pathname.startsWith("/support/grants/"));
    viewsPath = new URL(phone.url()).pathname;
    await phone.getByTestId("support-cases").waitFor();
    await phone.getByTestId("support-case-open").first().click();
    await phone.getByTestId("support-participants").waitFor();
    await phone.getByTestId("support-audit").waitFor();
    const shown = await phone.locator("main").textContent();
    for (const name of REAL_NAMES)
      expect(!shown.includes(name), `no real name on the support views: ${name}`);
    expect(shown.includes("Person "), "pseudonyms are shown");
    await capture(phone, "support-views");
    await phone.getByTestId("language-switch").click();
    await phone.getByTestId("support-participants").waitFor();
    await capture(phone, "support-views-de");
    assertNoProblems(phone);
  });

  await step("Ada revokes it; Olaf's next request is refused", async () => {
    const entry = page
      .getByTestId("org-support-all")
      .getByTestId("org-support-grant")
      .filter({ hasText: TICKET });
    await page.reload();
    await entry.locator(".tag-active").waitFor();
    await entry.getByTestId("support-revoke").click(); // the confirmation is accepted
    await entry.locator(".tag-revoked").waitFor();
    await capture(page, "support-admin-revoked");
    const grantId = viewsPath.split("/").pop();
    const answer = await phone.evaluate(
      async (path) => (await fetch(path)).status,
      `/api/support/grants/${grantId}/cases`,
    );
    expect(answer === 404, `after the revocation Olaf gets ${answer}`);
    await phone.reload();
    await phone.locator(".alert-error").first().waitFor();
  });
});
