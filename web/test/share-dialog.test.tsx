import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SERIES_SEGMENT, ShareDialog } from "../src/components/share-dialog";
import { setLanguage, t } from "../src/lib/i18n";
import type { Participant } from "../src/lib/types";

const participants: Participant[] = [
  { userId: "u-erik", name: "Erik", role: "employee", status: "active" },
  { userId: "u-dora", name: "Dora", role: "doctor", status: "active" },
];

/** The network as the dialog meets it: who has access (the owner), and a record of every grant. */
function fakeNetwork() {
  const grants: { path: string; body: Record<string, unknown> }[] = [];
  const fetch = vi.fn(async (path: string, init: RequestInit = {}) => {
    if ((init.method ?? "GET") === "PUT") {
      grants.push({ path, body: JSON.parse(String(init.body)) });
      return new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
    }
    const access = [
      { userId: "u-erik", name: "Erik", role: "employee", access: "owner", expiresAt: null, since: null },
    ];
    return new Response(JSON.stringify({ access, continuation: null }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  });
  vi.stubGlobal("fetch", fetch);
  return grants;
}

beforeEach(async () => {
  // happy-dom's <dialog> has no modal mode of its own.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  await setLanguage("de");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the share dialog's days", () => {
  it("refuses an impossible start day and a past expiry at their fields, then sends ISO days", async () => {
    const grants = fakeNetwork();
    render(
      <ShareDialog
        caseId="c1"
        item={{ kind: SERIES_SEGMENT, id: "series", title: "Reflexionen" }}
        participants={participants}
        onClose={() => {}}
      />,
    );
    await screen.findByTestId("access-list");
    fireEvent.change(screen.getByLabelText(t("web.sharing.person")), { target: { value: "u-dora" } });
    fireEvent.click(screen.getByLabelText(t("web.sharing.series.fromDateOption")));
    const from = screen.getByLabelText(t("web.sharing.series.fromDate")) as HTMLInputElement;
    const until = screen.getByLabelText(t("web.sharing.until")) as HTMLInputElement;
    expect(from.placeholder).toBe("TT.MM.JJJJ");

    fireEvent.input(from, { target: { value: "31.02.2026" } });
    fireEvent.click(screen.getByTestId("share-submit"));
    expect(from.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(t("web.dateField.invalid"))).toBeTruthy();

    fireEvent.input(from, { target: { value: "1.11.2026" } });
    fireEvent.input(until, { target: { value: "1.1.2000" } });
    fireEvent.click(screen.getByTestId("share-submit"));
    expect(until.getAttribute("aria-invalid")).toBe("true");
    expect(grants).toEqual([]);

    fireEvent.input(until, { target: { value: "31.12.2099" } });
    // The hint says when access ends, in words.
    expect(
      document.getElementById((until.getAttribute("aria-describedby") ?? "").split(" ")[1])?.textContent,
    ).toContain("2099");
    fireEvent.click(screen.getByTestId("share-submit"));
    await waitFor(() => expect(grants).toHaveLength(1));
    expect(grants[0].path).toBe("/api/cases/c1/reflection-series/series/grants/u-dora");
    expect(grants[0].body.fromDate).toBe("2026-11-01");
    // The end of that day where the user is, as an aware ISO date-time.
    expect(grants[0].body.expiresAt).toBe(new Date(2099, 11, 31, 23, 59, 59).toISOString());
  });
});
