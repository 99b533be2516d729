// Journey: Erik (German, on a 360 px phone) records a week of reflections — the six 0–10 scales
// by touch and by keyboard, a written answer on some days — sees them in his history, edits one,
// and shares the series with Dr. Dora: scales only, no written answers. Sharing with the employer
// contact shows the health-data warning first. Dora (English) follows the notification to the
// dashboard: the chart, its table, the trends in words, and none of Erik's words. Erik revokes;
// Dora's chart is empty again. Screenshots of the new pages at desktop and 360 px, in DE and EN.
import { join } from "node:path";
import {
  assertNoProblems,
  base,
  capture,
  captureBoth,
  checkAccessibility,
  checkNoOverflow,
  currentStep,
  expect,
  fieldDay,
  fillDay,
  journey,
  newPage,
  settle,
  signIn,
  step,
  switchLanguage,
  text,
  usedStep,
  world,
} from "./lib.mjs";

const { erik, dora, elsa } = world.people;
const caseId = world.cases.erik;
const en = (key, params) => text("en", key, params);
const de = (key, params) => text("de", key, params);
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 900 };

/** Words only Erik's written answers contain: they must never reach Dora. */
const SECRET = "Spaziergang mit Bruno am See";
// Seven days, oldest first: well-being, energy, sleep and coping go up; pain and stress go down.
// Seven entries over the last two weeks: a trend needs 5 points at least 14 days apart.
const DAYS_BACK = [-14, -11, -8, -5, -3, -1, 0];
const WEEK = [
  { wellbeing: 3, energy: 4, pain: 7, stress: 8, sleep: 5, workload: 3 },
  { wellbeing: 4, energy: 4, pain: 6, stress: 7, sleep: 5, workload: 4 },
  { wellbeing: 4, energy: 5, pain: 6, stress: 7, sleep: 6, workload: 4 },
  { wellbeing: 5, energy: 5, pain: 5, stress: 6, sleep: 5, workload: 5 },
  { wellbeing: 6, energy: 6, pain: 4, stress: 5, sleep: 6, workload: 5 },
  { wellbeing: 6, energy: 6, pain: 4, stress: 5, sleep: 6, workload: 6 },
  { wellbeing: 7, energy: 7, pain: 3, stress: 4, sleep: 6, workload: 6 },
];

function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A modal dialog as the user sees it (the viewport, not the whole page) at desktop width and at
 * 360 px, with the overflow check at 360 px. */
async function dialogShots(page, name) {
  const size = page.viewportSize();
  const folder = process.env.CASEDESK_ARTIFACTS;
  for (const [suffix, viewport] of [
    ["desktop", DESKTOP],
    ["360", PHONE],
  ]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(50);
    if (suffix === "360") await checkNoOverflow(page, `${name} (360 px)`);
    await page.screenshot({ path: join(folder, `${name}-${suffix}.png`) });
  }
  await page.setViewportSize(size);
}

async function expectNoCspViolation(page, where) {
  const violations = await page.evaluate(() => window.cspViolations ?? ["no listener"]);
  expect(violations.length === 0, `CSP violations on ${where}: ${violations.join("; ")}`);
}

/** Sign in with a code of a step no earlier journey of this module used. */
async function signInFresh(page, person, path) {
  usedStep(person.email, currentStep());
  await page.goto(`${base}${path}`);
  await page.waitForURL((url) => url.pathname === "/login");
  await signIn(page, person, { expectPath: path });
}

const form = (page) => page.getByTestId("reflection-form");

async function chooseDay(page, date) {
  await fillDay(page.getByTestId("reflection-date"), date);
  await page.locator(`[data-testid=reflection-form][data-date="${date}"]`).waitFor();
}

let today = "";
let seenByDora = "";

await journey("reflections", async (browser) => {
  const erikPage = await newPage(browser, { ...PHONE, locale: "de-CH" });
  const doraPage = await newPage(browser, { ...DESKTOP });
  // Every CSP violation counts, reported or not (Chart.js must draw under `style-src 'self'`).
  for (const page of [erikPage, doraPage]) {
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
  }

  await step("Erik signs in on his phone and opens “Meine Reflexionen”", async () => {
    await signInFresh(erikPage, erik, `/cases/${caseId}`);
    await erikPage.locator(".tabs a", { hasText: de("web.case.tabs.reflections") }).click();
    await erikPage.waitForURL((url) => url.pathname === `/cases/${caseId}/reflections`);
    await form(erikPage).waitFor();
    const input = erikPage.getByTestId("reflection-date");
    today = await input.getAttribute("data-max");
    const min = await input.getAttribute("data-min");
    expect(
      /^\d{4}-\d{2}-\d{2}$/.test(today) && min === addDays(today, -14),
      `days limited to today−14 … today: ${min} … ${today}`,
    );
    expect(
      (await input.inputValue()) === fieldDay(today, "de"),
      `the form starts at today, as dd.mm.yyyy: ${await input.inputValue()}`,
    );
    expect((await form(erikPage).getAttribute("data-stored")) === "no", "nothing recorded yet");
    const ends = await erikPage.getByTestId("scale-pain").locator(".scale-ends").textContent();
    expect(
      ends.includes(de("web.reflections.scales.pain.low")) &&
        ends.includes(de("web.reflections.scales.pain.high")),
      `pain's ends are worded the other way round: ${ends}`,
    );
    await checkNoOverflow(erikPage, "reflection entry at 360 px");
  });

  await step("an empty entry is refused before anything is sent, with a German message", async () => {
    await form(erikPage).locator("button[type=submit]").click();
    const alert = erikPage.locator(".alert-error");
    await alert.waitFor();
    expect(
      (await alert.textContent()).includes(de("web.reflections.empty")),
      `empty entry: ${await alert.textContent()}`,
    );
  });

  await step(
    "a day typed wrong (31.02.) is refused at the field in German, and no form is offered for it",
    async () => {
      const input = erikPage.getByTestId("reflection-date");
      await input.fill("31.02.2026");
      await input.blur();
      const error = erikPage.locator(".date-field:has([data-testid=reflection-date]) .field-error");
      await error.waitFor();
      expect(
        (await error.textContent()) === de("web.dateField.invalid"),
        `the field's message: ${await error.textContent()}`,
      );
      expect((await form(erikPage).count()) === 0, "no entry form for a day that does not exist");
      await capture(erikPage, "reflection-date-invalid");
      await chooseDay(erikPage, today);
      expect(
        (await erikPage.locator(".date-field .field-error").count()) === 0,
        "the message is gone with a real day",
      );
    },
  );

  await step("a scale works by keyboard: the arrow keys move the choice", async () => {
    const scale = erikPage.getByTestId("scale-wellbeing");
    expect(
      (await scale.locator("legend").textContent()) === de("web.reflections.scales.wellbeing.label"),
      "the group is named",
    );
    expect((await scale.locator("input[type=radio]").count()) === 11, "0 to 10");
    await scale.locator("input[value='4']").focus();
    await erikPage.keyboard.press("ArrowRight");
    expect(await scale.locator("input[value='5']").isChecked(), "ArrowRight chose 5");
    await erikPage.keyboard.press("ArrowLeft");
    await erikPage.keyboard.press("ArrowLeft");
    expect(await scale.locator("input[value='3']").isChecked(), "ArrowLeft twice chose 3");
    await checkAccessibility(erikPage, "reflection entry");
  });

  await step(
    "Erik records seven days of the last two weeks (a written answer on three of them)",
    async () => {
      for (const [i, values] of WEEK.entries()) {
        const date = addDays(today, DAYS_BACK[i]);
        await chooseDay(erikPage, date);
        for (const [scale, value] of Object.entries(values)) {
          await erikPage.getByTestId(`scale-${scale}`).locator(`input[value='${value}']`).check();
        }
        if (i % 3 === 0)
          await form(erikPage)
            .locator("textarea[name=wentWell]")
            .fill(`${SECRET} (${i + 1})`);
        if (i === 6) await form(erikPage).locator("textarea[name=needs]").fill("Mehr Pausen am Nachmittag");
        await form(erikPage).locator("button[type=submit]").click();
        await erikPage
          .locator(`[data-testid=reflection-form][data-date="${date}"][data-stored="yes"]`)
          .waitFor();
        await erikPage.locator(".alert-success").waitFor();
      }
      const history = erikPage.getByTestId("reflection");
      await erikPage.waitForFunction(
        () => document.querySelectorAll("[data-testid=reflection]").length === 7,
      );
      const dates = await history.evaluateAll((items) => items.map((li) => li.dataset.date));
      expect(
        dates.join() === [...dates].sort().reverse().join() && dates[0] === today,
        `history newest first: ${dates}`,
      );
      expect(
        (await erikPage.getByTestId("reflection-edit").count()) === 7,
        "every day of the week can still be edited",
      );
      expect(
        (await history.first().textContent()).includes("Mehr Pausen am Nachmittag"),
        "his own words are in his history",
      );
      await checkNoOverflow(erikPage, "history at 360 px");
    },
  );

  await step("an entry made by mistake ten days back is deleted again", async () => {
    const day = addDays(today, -10);
    await chooseDay(erikPage, day);
    await erikPage.getByTestId("scale-sleep").locator("input[value='2']").check();
    await form(erikPage).locator("button[type=submit]").click();
    await erikPage.locator(`[data-testid=reflection-form][data-date="${day}"][data-stored="yes"]`).waitFor();
    await erikPage.waitForFunction(() => document.querySelectorAll("[data-testid=reflection]").length === 8);
    await form(erikPage).getByTestId("reflection-delete").click(); // the confirmation is accepted
    await erikPage.locator(`[data-testid=reflection-form][data-date="${day}"][data-stored="no"]`).waitFor();
    await erikPage.waitForFunction(() => document.querySelectorAll("[data-testid=reflection]").length === 7);
    const gone = await erikPage.request.get(`${base}/api/cases/${caseId}/reflections/${day}`);
    expect(gone.status() === 404, `deleted: ${gone.status()}`);
  });

  await step("the text limit is shown and a stale edit gets the API's German message", async () => {
    const yesterday = addDays(today, -1);
    await erikPage
      .locator(`[data-testid=reflection][data-date="${yesterday}"]`)
      .getByTestId("reflection-edit")
      .click();
    await erikPage
      .locator(`[data-testid=reflection-form][data-date="${yesterday}"][data-stored="yes"]`)
      .waitFor();
    const note = form(erikPage).locator("textarea[name=note]");
    await note.fill("Kurz");
    const counter = await form(erikPage).locator(".counter").nth(3).textContent();
    expect(
      counter.startsWith(de("web.reflections.count", { count: 4, limit: "" }).split("4")[0]),
      `a counter: ${counter}`,
    );
    // Someone (Erik on another device) changes the day meanwhile: this form's version is stale.
    const changed = await erikPage.evaluate(
      async ({ caseId, day }) => {
        const session = await (await fetch("/api/auth/session")).json();
        const url = `/api/cases/${caseId}/reflections/${day}`;
        const current = await fetch(url);
        const entry = await current.json();
        const body = {
          scales: { ...entry.scales, sleep: 8 },
          wentWell: entry.wentWell,
          limits: entry.limits,
          needs: entry.needs,
          note: entry.note,
        };
        const put = await fetch(url, {
          method: "PUT",
          headers: {
            "Content-Type": "application/json",
            "X-CSRF-Token": session.csrfToken,
            "If-Match": current.headers.get("ETag"),
          },
          body: JSON.stringify(body),
        });
        return put.status;
      },
      { caseId, day: yesterday },
    );
    expect(changed === 200, `changed elsewhere: ${changed}`);
    await form(erikPage).locator("button[type=submit]").click();
    const alert = erikPage.locator(".alert-error");
    await alert.waitFor();
    const message = await alert.textContent();
    expect(
      message.includes(de("errors.concurrency_conflict.detail")),
      `the API's German message for a stale version: ${message}`,
    );
    // The typed note stayed; saving again is a conscious choice, with the new version.
    expect((await note.inputValue()) === "Kurz", "the typed note stays");
    await form(erikPage).locator("button[type=submit]").click();
    await erikPage.locator(".alert-success").waitFor();
    await captureBoth(erikPage, "reflections-de");
  });

  await step("the same page in English", async () => {
    await switchLanguage(erikPage, "en");
    await erikPage
      .getByText(en("web.reflections.newTitle"))
      .or(erikPage.getByText(en("web.reflections.editTitle")))
      .first()
      .waitFor();
    await captureBoth(erikPage, "reflections-en");
    await switchLanguage(erikPage, "de");
  });

  await step(
    "Erik shares his reflections with Dora: all entries, scales only (free text is off by default)",
    async () => {
      await erikPage.getByTestId("share-series").click();
      const dialog = erikPage.getByTestId("share-dialog");
      await dialog.getByTestId("access-list").waitFor();
      const includeText = dialog.locator("input[name=includeText]");
      expect(!(await includeText.isChecked()), "“include my written answers” starts unticked");
      expect(await dialog.locator("#series-scope-all").isChecked(), "all entries by default");
      await dialog
        .locator("select[name=userId]")
        .selectOption({ label: `${dora.name} (${de("web.roles.doctor")})` });
      await checkAccessibility(erikPage, "share dialog of the series");
      await dialogShots(erikPage, "share-series-de");
      await dialog.getByTestId("share-form").locator("button[type=submit]").click();
      await erikPage.waitForFunction(
        () => document.querySelectorAll("[data-testid=access-list] .person").length === 2,
      );
      const row = await dialog.locator(".person").nth(1).textContent();
      expect(
        row.includes(dora.name) &&
          row.includes(de("web.sharing.series.scalesOnly")) &&
          row.includes(de("web.sharing.series.allEntries")),
        `Dora listed with her options: ${row}`,
      );
      seenByDora = await dialog.locator(".person").nth(1).locator("a").getAttribute("href");
    },
  );

  await step("sharing with the employer contact shows the health-data warning first", async () => {
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog
      .locator("select[name=userId]")
      .selectOption({ label: `${elsa.name} (${de("web.roles.employer")})` });
    await dialog.getByTestId("employer-hint").waitFor();
    await dialog.getByTestId("share-form").locator("button[type=submit]").click();
    const warning = dialog.getByTestId("employer-warning");
    await warning.waitFor();
    expect(
      (await warning.textContent()).includes(de("web.sharing.series.employerWarning")),
      "the warning's words",
    );
    await checkAccessibility(erikPage, "employer warning");
    await dialogShots(erikPage, "share-series-employer-warning-de");
    await warning.getByText(de("web.common.cancel")).click();
    expect((await dialog.locator(".person").count()) === 2, "cancelled: nothing shared with the employer");
    // Confirmed, the share is sent with the acknowledgement; then Erik withdraws it again.
    await dialog.getByTestId("share-form").locator("button[type=submit]").click();
    await dialog.getByTestId("employer-warning").getByText(de("web.sharing.series.shareAnyway")).click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 3,
    );
    const row = dialog.locator(".person", { hasText: elsa.name });
    await row.locator("button").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 2,
    );
    await erikPage.locator("dialog .dialog-head button").click();
    const holders = await erikPage.getByTestId("series-holders").textContent();
    expect(
      holders.includes(dora.name) && !holders.includes(elsa.name),
      `the page says who sees the series: ${holders}`,
    );
  });

  await step("Dora follows the notification to the dashboard and sees the chart", async () => {
    await settle();
    await signInFresh(doraPage, dora, "/notifications");
    // Her account says German; on this device she reads English.
    if ((await doraPage.evaluate(() => document.documentElement.lang)) !== "en")
      await switchLanguage(doraPage, "en");
    // Named (issue 24.6): who shared the reflections.
    const named = en("web.notifications.named.reflections_shared", { actor: erik.name });
    const item = doraPage.getByTestId("notification").filter({ hasText: named }).first();
    await item.waitFor();
    await item.locator("a").click();
    await doraPage.waitForURL((url) => url.pathname === `/cases/${caseId}/dashboard`);
    await doraPage.locator("[data-testid=scales-chart][data-drawn=true]").waitFor();
    const scope = await doraPage.getByTestId("dashboard-scope").textContent();
    expect(scope.includes(en("web.dashboard.scalesOnly")), `Dora is told she sees scales only: ${scope}`);
    const trends = doraPage.getByTestId("trends");
    expect((await trends.locator("li").count()) === 6, "a trend line per scale");
    const wellbeing = await trends.locator("[data-scale=wellbeing]").textContent();
    expect(wellbeing.includes(en("web.dashboard.trend.improving")), `well-being is improving: ${wellbeing}`);
    const pain = await trends.locator("[data-scale=pain]").getAttribute("data-trend");
    expect(pain === "improving", `less pain is an improvement (polarity): ${pain}`);
    expect(
      (await doraPage.locator(".tabs a", { hasText: en("web.case.tabs.reflections") }).count()) === 0,
      "no reflections tab for Dora",
    );
  });

  await step(
    "the table behind the chart has the week's values, and none of Erik's words are anywhere",
    async () => {
      await doraPage.getByTestId("scales-table-toggle").click();
      const table = doraPage.getByTestId("scales-table");
      await table.waitFor();
      expect((await table.locator("caption").count()) === 1, "the table has a caption");
      expect((await table.locator("tbody tr").count()) === 7, "seven days");
      const last = await table.locator("tbody tr").last().locator("td").allTextContents();
      expect(last.join() === Object.values(WEEK[6]).map(String).join(), `today's values: ${last}`);
      await doraPage.getByTestId("reflection-list").waitFor();
      expect((await doraPage.getByTestId("reflection").count()) === 7, "the shared entries are listed");
      expect((await doraPage.getByTestId("reflection-text").count()) === 0, "no written answers");
      const everything = await doraPage.locator("main").textContent();
      expect(
        !everything.includes(SECRET) && !everything.includes("Mehr Pausen"),
        "none of Erik's words on Dora's page",
      );
      const api = await (await doraPage.request.get(`${base}/api/cases/${caseId}/reflections`)).json();
      expect(
        api.entries.length === 7 &&
          api.entries.every((e) => e.wentWell === null && e.needs === null && e.note === null),
        "the API gives Dora no text either",
      );
      await doraPage.getByTestId("view-weekly").click();
      await doraPage.locator("[data-testid=scales-chart][data-drawn=true]").waitFor();
      await doraPage.getByTestId("plan-table-toggle").click();
      await doraPage.getByTestId("plan-table").waitFor();
      const stages = await doraPage
        .getByTestId("plan-table")
        .locator("tbody tr td:last-child")
        .allTextContents();
      expect(stages[0] === "20%", `the plan's workload in the period: ${stages}`);
      await doraPage.locator("[data-testid=plan-chart][data-drawn=true]").waitFor();
      await captureBoth(doraPage, "dashboard-doctor-en");
      await doraPage.getByTestId("view-daily").click();
      await switchLanguage(doraPage, "de");
      await doraPage.locator("[data-testid=scales-chart][data-drawn=true]").waitFor();
      await captureBoth(doraPage, "dashboard-doctor-de");
      await switchLanguage(doraPage, "en");
      await expectNoCspViolation(doraPage, "the doctor's dashboard with both charts drawn");
    },
  );

  await step("“see what Dora sees” shows Erik his week as Dora gets it: scales, no words", async () => {
    await erikPage.goto(`${base}${seenByDora}`);
    const section = erikPage.getByTestId("seen-reflections");
    await section.locator("li").first().waitFor();
    expect((await section.locator("li").count()) === 7, "seven entries");
    const words = await section.textContent();
    expect(
      words.includes(de("web.reflections.seenScalesOnly")) && !words.includes(SECRET),
      `scales only: ${words.slice(0, 200)}`,
    );
    await captureBoth(erikPage, "seen-by-reflections-de");
  });

  await step("Erik's own dashboard shows all of his entries (DE and EN)", async () => {
    await erikPage.goto(`${base}/cases/${caseId}/dashboard`);
    await erikPage.locator("[data-testid=scales-chart][data-drawn=true]").waitFor();
    expect(
      (await erikPage.getByTestId("dashboard-scope").textContent()).includes(de("web.dashboard.scopeMine")),
      "his own view",
    );
    await erikPage.getByTestId("scales-table-toggle").click();
    await captureBoth(erikPage, "dashboard-employee-de");
    await switchLanguage(erikPage, "en");
    await erikPage.locator("[data-testid=scales-chart][data-drawn=true]").waitFor();
    await captureBoth(erikPage, "dashboard-employee-en");
    await switchLanguage(erikPage, "de");
    await expectNoCspViolation(erikPage, "the employee's dashboard");
  });

  await step("Erik revokes; Dora's chart is empty again", async () => {
    await erikPage.locator(".tabs a", { hasText: de("web.case.tabs.reflections") }).click();
    await switchLanguage(erikPage, "en");
    await erikPage.getByTestId("share-series").click();
    const dialog = erikPage.getByTestId("share-dialog");
    await dialog.getByTestId("access-list").waitFor();
    const row = await dialog.locator(".person", { hasText: dora.name }).textContent();
    expect(row.includes(en("web.sharing.series.scalesOnly")), `the options in English: ${row}`);
    await dialogShots(erikPage, "share-series-en");
    await dialog.locator(".person", { hasText: dora.name }).locator("button").click();
    await erikPage.waitForFunction(
      () => document.querySelectorAll("[data-testid=access-list] .person").length === 1,
    );
    await erikPage.locator("dialog .dialog-head button").click();
    await erikPage.getByTestId("series-private").waitFor();
    await doraPage.reload();
    await doraPage.getByTestId("dashboard-empty").waitFor();
    expect((await doraPage.getByTestId("scales-chart").count()) === 0, "no chart of Erik's scales");
    expect((await doraPage.getByTestId("trends").count()) === 0, "no trend from what Dora may not see");
    await doraPage.getByTestId("reflection-history-empty").waitFor();
    await captureBoth(doraPage, "dashboard-doctor-revoked-en");
  });

  await expectNoCspViolation(erikPage, "Erik's last page");
  await expectNoCspViolation(doraPage, "Dora's last page");
  assertNoProblems(erikPage);
  assertNoProblems(doraPage);
});
