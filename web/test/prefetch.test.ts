// A page's first GETs asked for before the page is on screen (lib/api.ts ``prefetch``, started by
// app.tsx with the session check): taken once by the page's own request, judged only then, and
// never served after a change. And the catalogs the browser gets: the web's strings only.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, authHandlers, dropPrefetched, prefetch } from "../src/lib/api";
import { catalogKeys, t } from "../src/lib/i18n";

let calls: string[] = [];
let status = 200;

beforeEach(() => {
  calls = [];
  status = 200;
  vi.stubGlobal("fetch", async (path: string, init: RequestInit) => {
    calls.push(`${init.method} ${path}`);
    const body =
      status === 200 ? JSON.stringify({ n: calls.length }) : JSON.stringify({ code: "unauthenticated" });
    return new Response(body, { status, headers: { "Content-Type": "application/json" } });
  });
});

afterEach(() => {
  dropPrefetched();
  vi.unstubAllGlobals();
  authHandlers.onSessionLost = () => {};
});

describe("prefetch", () => {
  it("answers the page's first GET of the same path without asking again, once", async () => {
    prefetch(["/api/me/cases"]);
    expect(calls).toEqual(["GET /api/me/cases"]);
    expect((await api.get<{ n: number }>("/api/me/cases")).data.n).toBe(1);
    expect((await api.get<{ n: number }>("/api/me/cases")).data.n).toBe(2);
    expect(calls).toEqual(["GET /api/me/cases", "GET /api/me/cases"]);
  });

  it("leaves a 401 to the page that takes it: the session ends then, not before", async () => {
    const lost = vi.fn();
    authHandlers.onSessionLost = lost;
    status = 401;
    prefetch(["/api/me/cases"]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lost).not.toHaveBeenCalled();
    await expect(api.get("/api/me/cases")).rejects.toBeInstanceOf(ApiError);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(["GET /api/me/cases"]);
  });

  it("is forgotten after any change, and by the next page's prefetch", async () => {
    prefetch(["/api/cases/c1/notes"]);
    await api.post("/api/cases/c1/notes", { text: "x" });
    await api.get("/api/cases/c1/notes");
    prefetch(["/api/me"]);
    prefetch(["/api/me/accesses"]);
    await api.get("/api/me");
    expect(calls).toEqual([
      "GET /api/cases/c1/notes",
      "POST /api/cases/c1/notes",
      "GET /api/cases/c1/notes",
      "GET /api/me",
      "GET /api/me/accesses",
      "GET /api/me",
    ]);
  });
});

describe("the web catalog", () => {
  it("holds the web's strings and the sign-in errors it shows itself, not the API's texts", () => {
    expect(t("web.common.loading")).not.toBe("web.common.loading");
    expect(t("errors.entra_cancelled.title")).not.toBe("errors.entra_cancelled.title");
    expect(catalogKeys("")).toEqual(["web", "errors"]);
    const others = catalogKeys("errors").filter((code) => !code.startsWith("entra_"));
    expect(others.sort()).toEqual([
      "concurrency_conflict",
      "fresh_auth_required",
      "invalid_input",
      "not_found",
      "permission_denied",
      "unauthenticated",
    ]);
    expect(catalogKeys("errors")).not.toContain("already_participant");
  });
});
