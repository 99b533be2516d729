// Journey (issue 16): Dr. Dora records an evaluation of Erik's work capacity — the form says a
// diagnosis does not belong here, a capacity over 100 % gets the API's message at the field — and
// shares it with Carla (case manager) only, unticking the suggested employer contact. Erik (on his
// phone, 360 px, in his language) sees it without having been chosen; Carla sees it on the dashboard, as a step against the
// plan's workload. Dora corrects it: a new version; Erik and Carla both see "corrected", and the
// history of both versions. Then Elsa (employer contact, in German) gives feedback on the work trial
// for Dora only: Erik sees it, Dora sees it on the dashboard, Carla does not. Screenshots at
// desktop and 360 px, EN and DE.
import {
  assertNoProblems,
  base,
  capture,
  checkNoOverflow,
  currentStep,
  expect,
  fillDay,
  journey,
  newPage,
  signIn,
  step,
  text,
  usedStep,
  world,
} from "./lib.mjs";

const { erik, dora, manager: carla, elsa } = world.people;
const caseId = world.cases.erik;
const de = (key, params) => text("de", key, params);
const en = (key, params) => text("en", key, params);
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 900 };
const RESTRICTION = "Keine Lasten über 5 kg";
const FEEDBACK = "Pünktlich, arbeitet gut im Team mit";

function zurichToday() {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Zurich",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * 86_400_000).toISOString().slice(0, 10);
}

// TOTP codes are single-use per 30 s step, and each journey is its own process: the journey before
// this one may have used this step and the next for the same people. So codes from the step after
// next (at most one wait of 30 s, shared by everyone); at the end, wait until the steps used here
// are over, for the journey after this one.
const startStep = currentStep();
let lastUsed = startStep;

async function signInFresh(page, person, path) {
  usedStep(person.email, startStep + 1);
  lastUsed = Math.max(lastUsed, currentStep() + 1, startStep + 2); // at most what freshCode takes
  await page.goto(`${base}${path}`);
  await page.waitForURL((url) => url.pathname === "/login");
  await signIn(page, person, { expectPath: path });
}

/** Either language's words (a page shows the user's language). */
const either = (words, key, params) => words.includes(en(key, params)) || words.includes(de(key, params));

const today = zurichToday();
let evaluationId = "";

await journey("evaluations", async (browser) => {
  const doraPage = await newPage(browser, { ...DESKTOP });
  const erikPage = await newPage(browser, { ...PHONE, locale: "de-CH" });
  const carlaPage = await newPage(browser, { ...DESKTOP });

  await step(
    "Dora opens the evaluations of Erik's case: the form says no diagnosis belongs here",
    async () => {
      await signInFresh(doraPage, dora, `/cases/${caseId}/evaluations`);
      await doraPage.getByTestId("new-evaluation").click();
      const form = doraPage.getByTestId("evaluation-form");
      await form.waitFor();
      const words = await form.textContent();
      expect(either(words, "web.evaluations.noDiagnosis"), `the no-diagnosis notice: ${words.slice(0, 200)}`);
      expect(
        (await form.locator("input[name*=diagnos], textarea[name*=diagnos]").count()) === 0,
        "no diagnosis field",
      );
      // The employee is not a choice (always sees it); employer and case manager are suggested.
      const picker = form.getByTestId("recipients");
      expect(
        either(await picker.textContent(), "web.evaluations.employeeAlways", { name: erik.name }),
        "the employee always sees it",
      );
      const carlaBox = picker.locator(".field-check", { hasText: carla.name }).locator("input");
      const elsaBox = picker.locator(".field-check", { hasText: elsa.name }).locator("input");
      expect(
        (await carlaBox.isChecked()) && (await elsaBox.isChecked()),
        "employer and case manager suggested",
      );
      expect(
        (await picker.locator(".field-check", { hasText: erik.name }).count()) === 0,
        "Erik is no choice",
      );
    },
  );

  await step(
    "an impossible day (31 February) is refused at its field, in Dora's language; nothing is sent",
    async () => {
      const form = doraPage.getByTestId("evaluation-form");
      const language = await doraPage.evaluate(() => document.documentElement.lang);
      let sent = 0;
      const count = (request) => {
        if (request.method() === "POST" && request.url().endsWith("/evaluations")) sent += 1;
      };
      doraPage.on("request", count);
      await form.locator("input[name=capacityPercent]").fill("50");
      const validFrom = form.locator("input[name=validFrom]");
      await validFrom.fill(language === "de" ? "31.02.2026" : "31/02/2026");
      await validFrom.press("Enter"); // sent from the field itself, never left
      const error = form.locator(".date-field:has(input[name=validFrom]) .field-error");
      await error.waitFor();
      expect(
        (await error.textContent()) === text(language, "web.dateField.invalid"),
        `the field's message: ${await error.textContent()}`,
      );
      expect((await validFrom.getAttribute("aria-invalid")) === "true", "the field is marked");
      await capture(doraPage, "evaluation-date-invalid");
      doraPage.off("request", count);
      expect(sent === 0, `nothing sent: ${sent}`);
    },
  );

  await step("a capacity of 150 % gets the API's message at the field; nothing is stored", async () => {
    const form = doraPage.getByTestId("evaluation-form");
    await form.locator("input[name=capacityPercent]").fill("150");
    await fillDay(form.locator("input[name=validFrom]"), today);
    await form.locator("button[type=submit]").click();
    const error = form.locator(".field-error").first();
    await error.waitFor();
    expect(
      (await form.locator("input[name=capacityPercent]").getAttribute("aria-invalid")) === "true",
      "the capacity field is marked",
    );
    const listed = await doraPage.request.get(`${base}/api/cases/${caseId}/evaluations`);
    expect((await listed.json()).evaluations.length === 0, "nothing stored");
  });

  await step("Dora records 50 % for four weeks, shared with Carla only (the employer unticked)", async () => {
    const form = doraPage.getByTestId("evaluation-form");
    await form.locator("input[name=capacityPercent]").fill("50");
    await fillDay(form.locator("input[name=validTo]"), addDays(today, 27));
    await form.locator("textarea[name=restrictions]").fill(RESTRICTION);
    await form.locator("textarea[name=recommendations]").fill("Halbtags, vormittags");
    await fillDay(form.locator("input[name=nextReview]"), addDays(today, 14));
    await form
      .getByTestId("recipients")
      .locator(".field-check", { hasText: elsa.name })
      .locator("input")
      .uncheck();
    await capture(doraPage, "evaluation-form-doctor");
    await form.locator("button[type=submit]").click();
    const card = doraPage.getByTestId("evaluation").first();
    await card.waitFor();
    evaluationId = await card.getAttribute("data-id");
    expect((await card.getAttribute("data-corrected")) === "no", "a first version");
    expect((await card.getByTestId("capacity").textContent()).includes("50"), "50 %");
    const access = await (
      await doraPage.request.get(`${base}/api/cases/${caseId}/evaluations/${evaluationId}/access`)
    ).json();
    const kinds = access.access.map((a) => `${a.role}:${a.access}`).sort();
    expect(kinds.join() === "case_manager:shared,doctor:owner,employee:subject", `who sees it: ${kinds}`);
  });

  await step("Erik (on his phone, 360 px) sees it without having been chosen", async () => {
    await signInFresh(erikPage, erik, `/cases/${caseId}/evaluations`);
    const card = erikPage.locator(`[data-testid=evaluation][data-id="${evaluationId}"]`);
    await card.waitFor();
    expect((await card.textContent()).includes(RESTRICTION), "the restrictions");
    expect((await card.getByTestId("correct").count()) === 0, "not his to correct");
    await checkNoOverflow(erikPage, "evaluations at 360 px");
    await capture(erikPage, "evaluations-employee");
  });

  await step("Carla sees it on the dashboard: capacity as a step against the plan's workload", async () => {
    await signInFresh(carlaPage, carla, `/cases/${caseId}/dashboard`);
    const section = carlaPage.getByTestId("dashboard-capacity");
    await section.getByTestId("dashboard-evaluation").waitFor();
    await carlaPage.locator("[data-testid=capacity-chart][data-drawn=true]").waitFor();
    await section.getByTestId("capacity-table-toggle").click();
    const table = await section.getByTestId("capacity-table").textContent();
    expect(table.includes("50"), `the capacity table: ${table}`);
    await capture(carlaPage, "dashboard-capacity-case-manager");
  });

  await step("Dora corrects it to 60 %: a new version, with the history of both", async () => {
    await doraPage.reload();
    const card = doraPage.locator(`[data-testid=evaluation][data-id="${evaluationId}"]`);
    await card.getByTestId("correct").click();
    const form = doraPage.getByTestId("evaluation-correct-form");
    await form.locator("input[name=capacityPercent]").fill("60");
    await form.locator("button[type=submit]").click();
    const corrected = doraPage.locator(
      `[data-testid=evaluation][data-id="${evaluationId}"][data-corrected=yes]`,
    );
    await corrected.waitFor();
    await corrected.getByTestId("history-toggle").click();
    await corrected.locator("[data-testid=history] li").nth(1).waitFor();
    const versions = await corrected
      .locator("[data-testid=history] li")
      .evaluateAll((items) => items.map((li) => li.dataset.version));
    expect(versions.join() === "2,1", `the history newest first: ${versions}`);
    await capture(doraPage, "evaluation-history-doctor");
  });

  await step("Erik and Carla both see “corrected”", async () => {
    await erikPage.reload();
    const card = erikPage.locator(`[data-testid=evaluation][data-id="${evaluationId}"][data-corrected=yes]`);
    await card.waitFor();
    expect(
      either(await card.getByTestId("corrected").textContent(), "web.evaluations.correctedTag"),
      "“corrected” in his language",
    );
    expect((await card.getByTestId("capacity").textContent()).includes("60"), "the corrected value");
    await capture(erikPage, "evaluation-corrected-employee");
    await carlaPage.reload();
    const shown = carlaPage.locator("[data-testid=dashboard-evaluation][data-corrected=yes]");
    await shown.waitFor();
    expect(
      either(await shown.getByTestId("corrected").textContent(), "web.evaluations.correctedTag"),
      "corrected on the dashboard",
    );
    await carlaPage.locator("[data-testid=capacity-chart][data-drawn=true]").waitFor();
    await capture(carlaPage, "dashboard-capacity-corrected");
  });

  // Employer feedback (issue 16, point 2): Elsa, in German, gives feedback on the work trial and
  // picks its recipients (doctor and case manager suggested); Erik sees it without being chosen;
  // Dora, chosen, sees it on the dashboard with its scales; Carla, unticked, sees nothing of it.
  const elsaPage = await newPage(browser, { ...DESKTOP, locale: "de-CH" });
  let feedbackId = "";

  await step("Elsa (employer contact, German) gives feedback on the work trial, for Dora only", async () => {
    await signInFresh(elsaPage, elsa, `/cases/${caseId}/evaluations`);
    if ((await elsaPage.evaluate(() => document.documentElement.lang)) !== "de") {
      await elsaPage.getByTestId("language-switch").click();
      await elsaPage.waitForFunction(() => document.documentElement.lang === "de");
    }
    await elsaPage.getByTestId("new-feedback").click();
    const form = elsaPage.getByTestId("feedback-form");
    await form.waitFor();
    const picker = form.getByTestId("recipients");
    expect(
      (await picker.textContent()).includes(de("web.evaluations.employeeAlways", { name: erik.name })),
      "the employee always sees it",
    );
    const doraBox = picker.locator(".field-check", { hasText: dora.name }).locator("input");
    const carlaBox = picker.locator(".field-check", { hasText: carla.name }).locator("input");
    expect((await doraBox.isChecked()) && (await carlaBox.isChecked()), "doctor and case manager suggested");
    expect((await picker.locator(".field-check", { hasText: erik.name }).count()) === 0, "Erik is no choice");
    for (const [scale, value] of [
      ["attendance", 9],
      ["workloadFit", 6],
      ["collaboration", 8],
    ]) {
      await form.getByTestId(`scale-${scale}`).locator(`input[value='${value}']`).check();
    }
    await form.locator("textarea[name=text]").fill(FEEDBACK);
    await carlaBox.uncheck();
    await capture(elsaPage, "feedback-form-employer-de");
    await form.locator("button[type=submit]").click();
    const card = elsaPage.getByTestId("feedback").first();
    await card.waitFor();
    feedbackId = await card.getAttribute("data-id");
    expect((await card.textContent()).includes(FEEDBACK), "the feedback as written");
    const access = await (
      await elsaPage.request.get(`${base}/api/cases/${caseId}/feedback/${feedbackId}/access`)
    ).json();
    const kinds = access.access.map((a) => `${a.role}:${a.access}`).sort();
    expect(kinds.join() === "doctor:shared,employee:subject,employer:owner", `who sees it: ${kinds}`);
    await capture(elsaPage, "feedback-saved-employer-de");
  });

  await step(
    "Erik sees the feedback; Dora sees it on the dashboard with its scales; Carla does not",
    async () => {
      await erikPage.reload();
      const card = erikPage.locator(`[data-testid=feedback][data-id="${feedbackId}"]`);
      await card.waitFor();
      expect((await card.textContent()).includes(FEEDBACK), "Erik reads the feedback about him");
      await capture(erikPage, "feedback-employee");
      await doraPage.goto(`${base}/cases/${caseId}/dashboard`);
      const section = doraPage.getByTestId("dashboard-feedback-section");
      await section.getByTestId("dashboard-feedback").waitFor();
      expect(
        (await section.getByTestId("dashboard-feedback").textContent()).includes(FEEDBACK),
        "the feedback on Dora's dashboard",
      );
      await doraPage.locator("[data-testid=feedback-chart][data-drawn=true]").waitFor();
      await capture(doraPage, "dashboard-feedback-doctor");
      const carlaSees = await (await carlaPage.request.get(`${base}/api/cases/${caseId}/feedback`)).json();
      expect(carlaSees.feedback.length === 0, "Carla was not chosen: she sees no feedback");
      await carlaPage.reload();
      await carlaPage.getByTestId("dashboard-feedback-section").waitFor();
      expect(
        !(await carlaPage.getByTestId("dashboard-feedback-section").textContent()).includes(FEEDBACK),
        "nor on her dashboard",
      );
    },
  );

  assertNoProblems(doraPage);
  assertNoProblems(erikPage);
  assertNoProblems(carlaPage);
  assertNoProblems(elsaPage);
  while (currentStep() <= lastUsed) await new Promise((r) => setTimeout(r, 500));
});
