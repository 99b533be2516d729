import { render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { LastActivity } from "../src/components/last-activity";
import { setLanguage, t } from "../src/lib/i18n";

const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString();

describe("LastActivity", () => {
  it("says how long ago in words, with the exact time in the <time> element", () => {
    render(<LastActivity at={threeDaysAgo} />);
    const shown = screen.getByTestId("last-activity");
    expect(shown.textContent).toBe(`${t("web.cases.lastActivity")} 3 days ago`);
    expect(shown.querySelector("time")?.getAttribute("datetime")).toBe(threeDaysAgo);
  });

  it("speaks German too", async () => {
    await setLanguage("de");
    render(<LastActivity at={threeDaysAgo} />);
    expect(screen.getByTestId("last-activity").textContent).toBe("Letzte Aktivität: vor 3 Tagen");
  });

  it("shows nothing without a time", () => {
    render(<LastActivity at={null} />);
    expect(screen.queryByTestId("last-activity")).toBeNull();
  });
});
