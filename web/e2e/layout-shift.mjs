// Journey (issue 24.8): nothing jumps while data loads. Each main page is loaded afresh on a
// 360 px phone with a slow network (150 ms latency) and a 4× slower CPU, and its cumulative
// layout shift is measured by a PerformanceObserver for "layout-shift" entries that is there
// from the first byte (the largest session window, as Lighthouse and Core Web Vitals count it).
// Each page must stay at or below 0.1; the share dialog is measured from the click that opens it
// until its access list has loaded. Lighthouse's own figures are in bench/README.md.
import { assertNoProblems, base, expect, journey, newPage, signIn, step, world } from "./lib.mjs";

const { erik } = world.people;
const caseId = world.cases.erik;
const LIMIT = 0.1;
const DIAGNOSE = process.env.CASEDESK_CLS_DIAGNOSE === "1"; // measure every page, fail none

/** Collects layout shifts from the start of every document, into window.__shifts. */
function observeShifts() {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__shifts.push({
        value: entry.value,
        at: entry.startTime,
        input: entry.hadRecentInput,
        nodes: (entry.sources ?? []).map(
          (s) =>
            s.node?.nodeName +
            (s.node?.className ? `.${s.node.className}` : "") +
            (s.node?.dataset?.testid ? `[${s.node.dataset.testid}]` : ""),
        ),
      });
    }
  }).observe({ type: "layout-shift", buffered: true });
}

/** The largest session window (gaps under 1 s, at most 5 s long) and what moved in it. */
async function cumulativeShift(page, since = null) {
  // After a click, what loads in answer to it counts too (a dialog filling in 200 ms later).
  const shifts = (await page.evaluate(() => window.__shifts)).filter((s) =>
    since === null ? !s.input : s.at >= since,
  );
  let best = { value: 0, nodes: [] };
  let current = { value: 0, start: -1, last: -1, nodes: [] };
  for (const s of shifts) {
    if (current.start < 0 || s.at - current.last > 1000 || s.at - current.start > 5000)
      current = { value: 0, start: s.at, last: s.at, nodes: [] };
    current.value += s.value;
    current.last = s.at;
    current.nodes.push(...s.nodes);
    if (current.value > best.value) best = { value: current.value, nodes: [...current.nodes] };
  }
  return best;
}

async function slowDown(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: 1_600_000 / 8,
    uploadThroughput: 750_000 / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
}

/** Load the page and wait until nothing has been fetched for a while. */
async function settled(page, path, ready) {
  await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
  if (ready) await page.locator(ready).first().waitFor();
  await page.waitForTimeout(600);
}

const results = [];

await journey("layout-shift", async (browser) => {
  const page = await newPage(browser, { width: 360, height: 780 });
  await page.addInitScript(observeShifts);

  await step("Erik signs in on his phone (and has a document to share)", async () => {
    await page.goto(`${base}/login`);
    await signIn(page, erik, { expectPath: "/cases" });
    await page.goto(`${base}/cases/${caseId}/documents`);
    const form = page.getByTestId("upload-form");
    await form.waitFor();
    if ((await page.getByTestId("document").count()) === 0) {
      await form
        .locator("input[type=file]")
        .setInputFiles({ name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from("Plan\n") });
      await form.locator("button[type=submit]").click();
      await page.getByTestId("document").first().waitFor();
    }
    await slowDown(page);
  });

  const pages = [
    ["my cases", "/cases", "[data-testid=case-list]"],
    ["case overview", `/cases/${caseId}`, "[data-testid=participants]"],
    ["documents", `/cases/${caseId}/documents`, "[data-testid=upload-form]"],
    ["notes", `/cases/${caseId}/notes`, "[data-testid=note-form]"],
    ["reflections", `/cases/${caseId}/reflections`, "[data-testid=reflection-editor]"],
    ["plan", `/cases/${caseId}/plan`, "[data-testid=plan-timeline]"],
    ["notifications", "/notifications", "main h1"],
    ["account", "/profile", "[data-testid=profile-form]"],
    ["who accessed my data", "/accesses", "main h1"],
  ];
  for (const [name, path, ready] of pages) {
    await step(`${name}: cumulative layout shift at most ${LIMIT}`, async () => {
      await settled(page, path, ready);
      const cls = await cumulativeShift(page);
      results.push([name, cls.value]);
      if (DIAGNOSE) console.log(`# ${name}: ${cls.value.toFixed(3)} ${[...new Set(cls.nodes)].join(", ")}`);
      else
        expect(
          cls.value <= LIMIT,
          `${name} shifts by ${cls.value.toFixed(3)}: ${[...new Set(cls.nodes)].join(", ")}`,
        );
    });
  }

  await step(
    `the share dialog: its form does not move when the access list arrives (≤ ${LIMIT})`,
    async () => {
      await settled(page, `/cases/${caseId}/documents`, "[data-testid=share-button]");
      const since = await page.evaluate(() => performance.now());
      await page.getByTestId("share-button").first().click();
      await page.getByTestId("access-list").waitFor();
      await page.waitForTimeout(600);
      const cls = await cumulativeShift(page, since);
      results.push(["share dialog", cls.value]);
      if (DIAGNOSE)
        console.log(`# share dialog: ${cls.value.toFixed(3)} ${[...new Set(cls.nodes)].join(", ")}`);
      else
        expect(
          cls.value <= LIMIT,
          `the share dialog shifts by ${cls.value.toFixed(3)}: ${[...new Set(cls.nodes)].join(", ")}`,
        );
    },
  );

  console.log(
    `# CLS at 360 px, slow network, 4x CPU: ${results.map(([n, v]) => `${n} ${v.toFixed(3)}`).join("; ")}`,
  );
  assertNoProblems(page);
});
