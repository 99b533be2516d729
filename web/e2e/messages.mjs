// Journey (issue 18): Erik (desktop) starts a conversation with Dr. Dora in his case; Dora (360 px
// phone) sees it arrive in her Messages tab by polling — the list asks with If-None-Match and is
// answered 304 while nothing changed — opens it (unread goes away), replies; Erik's open
// conversation shows the reply by itself. Erik deletes a message within the window and both see
// "message deleted"; Erik adds Elsa; Dora leaves the conversation and it is gone from her list.
import {
  assertNoProblems,
  base,
  capture,
  captureBoth,
  expect,
  journey,
  newPage,
  signIn,
  step,
  switchLanguage,
  text,
  world,
} from "./lib.mjs";

const { erik, dora } = world.people;
const caseId = world.cases.erik;
const FIRST = "Guten Tag, haben Sie meinen Bericht erhalten?";
const REPLY = "Yes, thank you. Let us talk on Monday.";
const OOPS = "Falsche Nachricht";

/** The catalog text in the language the page shows (the people's languages change in other journeys). */
async function say(page, key, params) {
  const lang = await page.evaluate(() => document.documentElement.lang || "en");
  return text(lang.startsWith("de") ? "de" : "en", key, params);
}

/** Every answer to the thread list's polls, to see the 304s. */
function watchPolls(page) {
  const seen = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname === `/api/cases/${caseId}/threads` && response.request().method() === "GET") {
      seen.push({
        status: response.status(),
        conditional: Boolean(response.request().headers()["if-none-match"]),
      });
    }
  });
  return seen;
}

await journey("messages", async (browser) => {
  const erikPage = await newPage(browser, { locale: "de-CH" });
  const doraPage = await newPage(browser, { width: 360, height: 740 });
  const doraPolls = watchPolls(doraPage);

  await step("both sign in and open the Messages tab of Erik's case", async () => {
    for (const [page, person] of [
      [erikPage, erik],
      [doraPage, dora],
    ]) {
      await signIn(page, person);
      await page.goto(`${base}/cases/${caseId}/messages`);
      await page.getByTestId("messages").waitFor();
    }
    const tab = await say(doraPage, "web.case.tabs.messages");
    expect(
      (await doraPage.locator("nav.tabs [aria-current=page]").textContent()) === tab,
      "the Messages tab is current",
    );
  });

  await step("Erik starts a conversation with Dora, with a subject", async () => {
    await erikPage.getByTestId("thread-new").click();
    const form = erikPage.getByTestId("thread-form");
    await form.getByLabel(/Dora/).check();
    await form.locator("input[name=subject]").fill("Bericht");
    await form.locator("textarea[name=text]").fill(FIRST);
    await form.locator("button[type=submit]").click();
    await erikPage.getByTestId("thread").waitFor();
    await erikPage.getByTestId("message-text").filter({ hasText: FIRST }).waitFor();
    await capture(erikPage, "messages-thread-erik");
  });

  await step("Dora's list shows it by polling, with If-None-Match and 304 while unchanged", async () => {
    await doraPage.getByTestId("thread-item").filter({ hasText: "Bericht" }).waitFor({ timeout: 15_000 });
    await doraPage.getByTestId("thread-unread").waitFor();
    await doraPage.getByTestId("unread-badge").waitFor(); // the global badge: a new-message notice
    await doraPage.waitForTimeout(9000); // two more polls with nothing new
    expect(
      doraPolls.some((p) => p.conditional && p.status === 304),
      `a poll was answered 304: ${JSON.stringify(doraPolls)}`,
    );
    await captureBoth(doraPage, "messages-list-dora");
  });

  await step("Dora opens it (unread goes) and replies", async () => {
    await doraPage.getByTestId("thread-open").first().click();
    await doraPage.getByTestId("message-text").filter({ hasText: FIRST }).waitFor();
    const compose = doraPage.getByTestId("compose");
    await compose.locator("textarea[name=text]").fill(REPLY);
    await compose.getByTestId("send").click();
    await doraPage.getByTestId("message-text").filter({ hasText: REPLY }).waitFor();
    await captureBoth(doraPage, "messages-thread-dora");
    await doraPage.getByTestId("thread-back").click();
    await doraPage.getByTestId("thread-item").first().waitFor();
    expect((await doraPage.getByTestId("thread-unread").count()) === 0, "no unread badge after reading");
  });

  await step("Erik's open conversation shows the reply by itself", async () => {
    await erikPage.getByTestId("message-text").filter({ hasText: REPLY }).waitFor({ timeout: 15_000 });
  });

  await step("Erik deletes a message within 15 minutes; both see it as deleted", async () => {
    const compose = erikPage.getByTestId("compose");
    await compose.locator("textarea[name=text]").fill(OOPS);
    await compose.getByTestId("send").click();
    const mine = erikPage.getByTestId("message").filter({ hasText: OOPS });
    await mine.getByTestId("message-delete").click(); // the confirmation is accepted
    await erikPage.getByTestId("message-deleted").waitFor();
    expect((await erikPage.getByText(OOPS).count()) === 0, "the deleted text is gone");
    await doraPage.getByTestId("thread-open").first().click();
    await doraPage.getByTestId("message-deleted").waitFor();
    expect((await doraPage.getByText(OOPS).count()) === 0, "Dora does not see the deleted text");
    await doraPage
      .getByTestId("message-deleted")
      .filter({ hasText: await say(doraPage, "web.messages.deleted") })
      .waitFor();
  });

  await step("Erik adds Elsa (the employer contact) as a member: she joins from now on", async () => {
    const picker = erikPage.locator("select[name=userId]");
    const elsa = await picker.locator("option", { hasText: "Elsa" }).getAttribute("value");
    await picker.selectOption(elsa);
    await erikPage.getByRole("button", { name: await say(erikPage, "web.messages.add") }).click();
    await erikPage.getByTestId("thread-members").filter({ hasText: "Elsa" }).waitFor();
  });

  await step("Dora leaves the conversation: it is gone from her list, Erik sees who is left", async () => {
    await doraPage.getByTestId("thread-leave").click(); // confirmed
    await doraPage.getByTestId("messages").waitFor();
    await doraPage.getByText(await say(doraPage, "web.messages.empty")).waitFor();
    await erikPage.waitForFunction(
      () => !/Dora/.test(document.querySelector("[data-testid=thread-members]")?.textContent ?? "Dora"),
      null,
      { timeout: 15_000 },
    );
    assertNoProblems(erikPage);
    assertNoProblems(doraPage);
  });

  await step("the conversation and the list in the other language too (then back)", async () => {
    const was = (await erikPage.evaluate(() => document.documentElement.lang)).startsWith("de") ? "de" : "en";
    const other = was === "de" ? "en" : "de";
    await switchLanguage(erikPage, other);
    await erikPage.getByTestId("thread").waitFor();
    expect(
      (await erikPage.getByTestId("message-deleted").first().textContent()).includes(
        text(other, "web.messages.deleted"),
      ),
      "deleted, in the other language",
    );
    await capture(erikPage, `messages-thread-erik-${other}`);
    await erikPage.getByTestId("thread-back").click();
    await erikPage.getByTestId("thread-item").first().waitFor();
    await capture(erikPage, `messages-list-erik-${other}`);
    await switchLanguage(erikPage, was); // the journeys after this one follow his language as it was
    assertNoProblems(erikPage);
  });
});
