// Journey: Erik (German, desktop) uploads documents — with a progress bar, and with clear
// messages for a file of the wrong type or size — shares one with Dr. Dora, who (English,
// 360 px phone) gets a notification and sees it; then he revokes, and she no longer does. The
// same for a note. Finally Dora's main pages at 360 px and Erik's "who accessed my data".
import {
  assertNoProblems,
  base,
  capture,
  checkAccessibility,
  checkNoOverflow,
  expect,
  fillDay,
  journey,
  newPage,
  openNav,
  screenshot,
  signIn,
  settle,
  step,
  text,
  world,
} from "./lib.mjs";

const { erik, dora } = world.people;
const caseId = world.cases.erik;
const en = (key, params) => text("en", key, params);
const de = (key, params) => text("de", key, params);

function pdf(size) {
  const head = Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1");
  const tail = Buffer.from("\n%%EOF\n");
  const filler = Buffer.alloc(size - head.length - tail.length, "%");
  return Buffer.concat([head, filler, tail]);
}

const REPORT = { name: "Arbeitsplatz.pdf", mimeType: "application/pdf", buffer: pdf(1_200_000) };
const TOO_BIG = { name: "Gross.pdf", mimeType: "application/pdf", buffer: pdf(world.uploadLimit + 100_000) };
const NOT_A_DOCUMENT = {
  name: "programm.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00binary\x00\x00", "latin1"),
};

async function waitForTitle(page, title) {
  await page.waitForFunction((wanted) => document.querySelector("h1")?.textContent === wanted, title);
}

let downloadHref = "";

await journey("documents", async (browser) => {
  const erikPage = await newPage(browser, { locale: "de-CH" });
  const doraPage = await newPage(browser, { width: 360, height: 740 });
  const fileError = erikPage.getByTestId("file-error");

  await step("Erik signs in with password and authenticator code; his language is German", async () => {
    await erikPage.goto(`${base}/`);
    await erikPage.waitForURL((url) => url.pathname === "/login");
    await signIn(erikPage, erik, { expectPath: "/cases" });
    await waitForTitle(erikPage, de("web.cases.title"));
  });

  await step("Dora signs in on her phone and switches to English", async () => {
    await doraPage.goto(`${base}/cases/${caseId}/documents`);
    await doraPage.waitForURL((url) => url.pathname === "/login");
    await signIn(doraPage, dora, { expectPath: `/cases/${caseId}/documents` });
    await doraPage.getByTestId("language-switch").click();
    await doraPage.getByText(en("web.documents.empty")).waitFor();
    await checkNoOverflow(doraPage, "documents at 360 px");
  });

  await step("an upload shows its progress and ends in the list", async () => {
    await erikPage.goto(`${base}/cases/${caseId}/documents`);
    const form = erikPage.getByTestId("upload-form");
    await form.waitFor();
    // Slow the upload down like a mobile network, so the progress bar has something to show.
    const cdp = await erikPage.context().newCDPSession(erikPage);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 1_500_000,
    });
    await erikPage.evaluate(() => {
      window.progressSeen = [];
      window.progressTimer = setInterval(() => {
        const bar = document.querySelector("[data-testid=upload-progress] progress");
        if (bar) window.progressSeen.push(bar.value);
      }, 20);
    });
    await form.locator("input[type=file]").setInputFiles(REPORT);
    await form.locator("select[name=category]").selectOption("job_description");
    await form.locator("button[type=submit]").click();
    await erikPage.getByTestId("document").first().waitFor();
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const seen = await erikPage.evaluate(() => (clearInterval(window.progressTimer), window.progressSeen));
    expect(
      seen.some((v) => v > 0 && v < 1),
      `progress between 0 and 100 % was shown: ${seen.slice(0, 20)}`,
    );
    const title = await erikPage.getByTestId("document").first().locator(".item-title").textContent();
    expect(title === "Arbeitsplatz", `title from the file name: ${title}`);
    await erikPage.getByText(de("web.documents.uploaded", { title: "Arbeitsplatz" })).waitFor();
  });

  await step(
    "a file that is not an allowed document is refused with a message at the file field",
    async () => {
      const form = erikPage.getByTestId("upload-form");
      await form.locator("input[type=file]").setInputFiles(NOT_A_DOCUMENT);
      await form.locator("button[type=submit]").click();
      await fileError.waitFor();
      const message = await fileError.textContent();
      expect(message === de("errors.unsupported_file_type.detail"), `type rejection: ${message}`);
      expect(
        (await form.locator("input[type=file]").getAttribute("aria-invalid")) === "true",
        "file field marked invalid",
      );
    },
  );

  await step("a file over the size limit is refused with the limit named", async () => {
    const form = erikPage.getByTestId("upload-form");
    await form.locator("input[type=file]").setInputFiles(TOO_BIG);
    await form.locator("input[name=title]").fill("Zu gross");
    await form.locator("button[type=submit]").click();
    await erikPage.waitForFunction(
      (old) => document.querySelector("[data-testid=file-error]")?.textContent !== old,
      de("errors.unsupported_file_type.detail"),
    );
    const message = await fileError.textContent();
    const prefix = de("web.documents.tooLarge").split("{")[0];
    expect(message.startsWith(prefix) && message.includes("MB"), `size rejection names the size: ${message}`);
    expect((await erikPage.getByTestId("document").count()) === 1, "nothing was stored");
    await capture(erikPage, "documents-rejected-de");
  });

  await step("Erik shares the document with Dora until a date; the dialog lists who has access", async () => {
    await erikPage.reload();
    await erikPage.getByTestId("share-button").first().click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog.getByTestId("access-list").waitFor();
    expect((await dialog.locator(".person").count()) === 1, "only Erik (owner) before sharing");
    await dialog
      .locator("select[name=userId]")
      .selectOption({ label: `${dora.name} (${de("web.roles.doctor")})` });
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await fillDay(dialog.locator("input[name=expiresAt]"), until);
    await dialog.getByTestId("share-form").locator("button[type=submit]").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 2,
    );
    const row = await dialog.locator(".person").nth(1).textContent();
    expect(
      row.includes(dora.name) && row.includes(de("web.sharing.sharedUntil", { date: "" }).trim()),
      `Dora listed with expiry: ${row}`,
    );
    await checkAccessibility(erikPage, "share dialog");
    await screenshot(erikPage, "share-dialog-desktop");
  });

  await step("“see what Dora sees” shows the shared document", async () => {
    await erikPage.getByTestId("share-dialog").locator(".person a").first().click();
    await erikPage.getByTestId("seen-by").waitFor();
    await erikPage.getByText("Arbeitsplatz").waitFor();
    await capture(erikPage, "seen-by");
  });

  await step("Dora gets a notification, follows it and downloads the document", async () => {
    await doraPage.goto(`${base}/cases`);
    await doraPage.getByTestId("unread-badge").waitFor();
    await openNav(doraPage, "/notifications");
    const item = doraPage.getByTestId("notification").first();
    await item.waitFor();
    // Who shared which document (issue 24.6), in whose case.
    const named = en("web.notifications.named.share.doc", { actor: erik.name, title: "Arbeitsplatz" });
    const shown = await item.locator("a").textContent();
    expect(shown === named, `share notification text: ${shown}`);
    await item.getByText(en("web.notifications.caseOf", { name: erik.name })).waitFor();
    await capture(doraPage, "notifications");
    await item.locator("a").click();
    await doraPage.waitForURL((url) => url.pathname === `/cases/${caseId}/documents`);
    await doraPage.getByTestId("document").first().waitFor();
    expect(
      (await doraPage.getByTestId("share-button").count()) === 0,
      "a recipient cannot share someone else's document",
    );
    const href = await doraPage.getByTestId("document").first().locator("a[download]").getAttribute("href");
    downloadHref = href;
    const download = await doraPage.request.get(`${base}${href}`);
    expect(
      download.status() === 200 && (await download.body()).subarray(0, 5).toString() === "%PDF-",
      "download works",
    );
    await capture(doraPage, "documents-shared-with-me");
    await openNav(doraPage, "/notifications");
    await doraPage.getByTestId("notification-list").waitFor();
    // Opening the list marks its notifications read; the badge goes once that request is answered.
    await doraPage
      .getByTestId("unread-badge")
      .waitFor({ state: "detached", timeout: 5000 })
      .catch(() => {});
    expect((await doraPage.getByTestId("unread-badge").count()) === 0, "no unread notification left");
  });

  await step("Erik revokes; the dialog and “see what Dora sees” show it at once", async () => {
    await erikPage.goto(`${base}/cases/${caseId}/documents`);
    await erikPage.getByTestId("share-button").first().click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog.locator(".person").nth(1).locator("button").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 1,
    );
    await erikPage.locator("dialog .dialog-head button").click();
    await erikPage.goto(`${base}/cases/${caseId}/seen-by/${await doraId(erikPage)}`);
    await erikPage.getByText(de("web.sharing.seesNoDocuments")).waitFor();
  });

  await step("Dora no longer sees the document, and its download answers 404", async () => {
    const href = `/api/cases/${caseId}/documents`;
    await doraPage.goto(`${base}/cases/${caseId}/documents`);
    await doraPage.getByText(en("web.documents.empty")).waitFor();
    const listed = await (await doraPage.request.get(`${base}${href}`)).json();
    expect(listed.documents.length === 0, "the API lists nothing for Dora");
    const download = await doraPage.request.get(`${base}${downloadHref}`);
    expect(download.status() === 404, `download after revoke answers ${download.status()}`);
  });

  await step("a note is private until shared; Dora sees it only while it is shared", async () => {
    await erikPage.goto(`${base}/cases/${caseId}/notes`);
    const form = erikPage.getByTestId("note-form");
    await form.locator("input[name=title]").fill("Gespräch mit Dr. Dora");
    await form.locator("textarea[name=body]").fill("Belastbarkeit am Morgen besser.");
    await form.locator("button[type=submit]").click();
    await erikPage.getByTestId("note").first().waitFor();
    await erikPage.getByTestId("note-read").first().click();
    await erikPage.getByTestId("note-body").waitFor();
    await capture(erikPage, "notes");
    await erikPage.getByTestId("note").first().getByTestId("share-button").click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog
      .locator("select[name=userId]")
      .selectOption({ label: `${dora.name} (${de("web.roles.doctor")})` });
    await dialog.getByTestId("share-form").locator("button[type=submit]").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 2,
    );
    await doraPage.goto(`${base}/cases/${caseId}/notes`);
    await doraPage.getByTestId("note-read").first().click();
    await doraPage.getByText("Belastbarkeit am Morgen besser.").waitFor();
    expect(
      (await doraPage.getByTestId("share-button").count()) === 0,
      "a recipient cannot share someone else's note",
    );
    await dialog.locator(".person").nth(1).locator("button").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 1,
    );
    await doraPage.reload();
    await doraPage.getByText(en("web.notes.empty")).waitFor();
  });

  await step(
    "Dora's main pages at 360 px: no sideways scrolling, no serious accessibility issue",
    async () => {
      const pages = [
        ["mobile-cases", "/cases", "case-list"],
        ["mobile-case", `/cases/${caseId}`, "participants"],
        ["mobile-plan", `/cases/${caseId}/plan`, "plan-timeline"],
        ["mobile-documents", `/cases/${caseId}/documents`, "upload-form"],
        ["mobile-notes", `/cases/${caseId}/notes`, "note-form"],
        ["mobile-notifications", "/notifications", "notification-list"],
        ["mobile-profile", "/profile", "profile-form"],
        ["mobile-accesses", "/accesses", null],
      ];
      for (const [name, path, testId] of pages) {
        await doraPage.goto(`${base}${path}`);
        if (testId) await doraPage.getByTestId(testId).waitFor();
        else await doraPage.locator("main h1").waitFor();
        await checkNoOverflow(doraPage, name);
        await checkAccessibility(doraPage, name);
        await screenshot(doraPage, name);
      }
    },
  );

  await step("Erik sees in plain German who accessed his data", async () => {
    await settle(); // the host's relay would do this within seconds
    await erikPage.goto(`${base}/accesses`);
    await erikPage.getByTestId("accesses").waitFor();
    const sentences = await erikPage.getByTestId("accesses").locator("li p:first-child").allTextContents();
    expect(
      sentences.some((s) => s.includes(dora.name)),
      `Dora's accesses listed: ${sentences.slice(0, 5)}`,
    );
    await capture(erikPage, "accesses-de");
  });

  assertNoProblems(erikPage);
  assertNoProblems(doraPage);
});

async function doraId(page) {
  const summary = await (await page.request.get(`${base}/api/cases/${caseId}`)).json();
  return summary.participants.find((p) => p.role === "doctor").userId;
}
