// Journey (issue 20): Erik opens My account at 360 px, asks for "Download my data", sees it being
// prepared, and — once the background job has built it — downloads the ZIP in parts with a
// progress bar; the file opens (Python's zipfile) and holds README.txt and data.json with his own
// profile and his case; the copy on the server is gone afterwards. Then "Delete my account":
// the wording says what goes and what stays, and with his password and a fresh code it is
// refused while he still takes part in an open case. Screenshots at desktop and 360 px.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertNoProblems,
  base,
  captureBoth,
  currentStep,
  expect,
  freshCode,
  journey,
  newPage,
  signIn,
  step,
  switchLanguage,
  text,
  usedStep,
  world,
} from "./lib.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS = process.env.CASEDESK_ARTIFACTS ?? join(ROOT, "test-artifacts", "browser");
const { erik } = world.people;
const caseId = world.cases.erik;
// Erik reads CaseDesk in German unless an earlier journey switched him: follow the page.
let language = "de";
const de = (key, params) => text(language, key, params);

/** Names in the ZIP and its data.json's profile and case ids, read with the test tier's Python. */
function zipSummary(path) {
  const script = [
    "import json,sys,zipfile",
    "z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None",
    "d=json.loads(z.read('data.json'))",
    "print(json.dumps({'names': z.namelist(), 'email': d['profile']['email'], 'cases': [c['caseId'] for c in d['cases']], 'readme': z.read('README.txt').decode()}))",
  ].join("\n");
  return JSON.parse(
    execFileSync(join(ROOT, ".venv", "bin", "python"), ["-c", script, path], { encoding: "utf8" }),
  );
}

await journey("export", async (browser) => {
  const page = await newPage(browser, { width: 360, height: 780 });
  const card = () => page.getByTestId("data-export");

  await step("Erik signs in and opens My account", async () => {
    usedStep(erik.email, currentStep()); // an earlier journey may have used this step's code
    await page.goto(`${base}/profile`);
    await page.waitForURL((url) => url.pathname === "/login");
    await signIn(page, erik, { expectPath: "/profile" });
    await card().waitFor();
    language = (await page.evaluate(() => document.documentElement.lang)).startsWith("en") ? "en" : "de";
    expect(
      (await card().locator("h2").textContent()).trim() === de("web.myData.title"),
      "the section is there",
    );
  });

  await step("“Prepare my data” starts the background job; the page shows it being prepared", async () => {
    await page.getByTestId("export-request").click();
    await page.getByTestId("export-preparing").waitFor();
    await captureBoth(page, "export-preparing");
    const drained = await fetch(`${base}/admin/queues/export-build/drain`, { method: "POST" });
    expect(drained.ok, `drain: ${drained.status}`);
    await page.getByTestId("export-ready").waitFor({ timeout: 15_000 });
    await captureBoth(page, "export-ready");
  });

  await step("the download joins the parts into one ZIP that opens and holds his own data", async () => {
    const downloading = page.waitForEvent("download");
    await page.getByTestId("export-download").click();
    const download = await downloading;
    expect(
      /^casedesk-my-data-\d{4}-\d{2}-\d{2}\.zip$/.test(download.suggestedFilename()),
      `file: ${download.suggestedFilename()}`,
    );
    const path = join(ARTIFACTS, "export-erik.zip");
    await download.saveAs(path);
    await card().locator(".alert-success").waitFor();
    const zip = zipSummary(path);
    expect(zip.names.includes("README.txt") && zip.names.includes("data.json"), `names: ${zip.names}`);
    expect(zip.email === erik.email, `the profile is his: ${zip.email}`);
    expect(zip.cases.includes(caseId), `his case: ${zip.cases}`);
    expect(zip.readme.includes("English") && zip.readme.includes("Deutsch"), "README in EN and DE");
    const state = await page.evaluate(async () => (await fetch("/api/me/export")).json());
    expect(state.state === "none", `nothing stays on the server: ${JSON.stringify(state)}`);
    await page.getByTestId("export-request").waitFor();
    await captureBoth(page, "export-downloaded");
    assertNoProblems(page);
  });

  await step("“Delete my account” says what happens and is refused while a case is open", async () => {
    const section = page.getByTestId("delete-account");
    const said = await section.textContent();
    expect(
      said.includes(de("web.deleteAccount.goes")) && said.includes(de("web.deleteAccount.stays")),
      "the wording",
    );
    await page.getByTestId("delete-open").click();
    await section.locator("input[name=password]").fill(erik.password);
    await section.locator("input[name=code]").fill(await freshCode(erik.email, erik.secret));
    await section.locator("input[type=checkbox]").check();
    await page.getByTestId("delete-confirm").click();
    const alert = section.locator(".alert-error");
    await alert.waitFor();
    expect(
      (await alert.textContent()).includes(de("errors.active_participation.title")),
      `refused: ${await alert.textContent()}`,
    );
    await captureBoth(page, "delete-account-refused");
    const me = await page.evaluate(async () => (await fetch("/api/me")).status);
    expect(me === 200, "still signed in, nothing deleted");
  });

  await step("both sections in the other language too (then back)", async () => {
    const other = language === "de" ? "en" : "de";
    await switchLanguage(page, other);
    const said = await page.getByTestId("delete-account").textContent();
    expect(
      said.includes(text(other, "web.deleteAccount.goes")),
      "the deletion wording in the other language",
    );
    expect(
      (await card().locator("h2").textContent()).trim() === text(other, "web.myData.title"),
      "the export title",
    );
    await card().scrollIntoViewIfNeeded();
    await captureBoth(page, `export-account-${other}`);
    await switchLanguage(page, language);
    assertNoProblems(page);
  });
});
