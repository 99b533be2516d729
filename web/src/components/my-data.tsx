// "Download my data" and "Delete my account" on My account (issue 20). The ZIP is built in the
// background; the page polls its state, then fetches it part by part (4 MiB each) with a
// progress bar, joins the parts into one file for the browser to save, and discards the export
// on the server. Deleting the account needs the password and a second factor.
import { useEffect, useState } from "preact/hooks";
import { Checkbox, Field, FormError, Notice, requiredError, useAction } from "./ui";
import { ApiError, api } from "../lib/api";
import { formatBytes, formatDateTime, t } from "../lib/i18n";
import { loadSession } from "../lib/session";
import type * as Api from "../lib/api-types";

type ExportState = Api.ExportState;

async function fetchPart(path: string): Promise<Blob> {
  const answer = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/octet-stream" },
  });
  if (!answer.ok) {
    const problem = (await answer.json().catch(() => ({}))) as {
      code?: string;
      title?: string;
      detail?: string;
    };
    throw new ApiError(answer.status, problem.code ?? "error", problem.title ?? "", problem.detail ?? "");
  }
  return answer.blob();
}

export function DataExport() {
  const [state, setState] = useState<ExportState | null>(null);
  const [fraction, setFraction] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const refresh = async () => setState((await api.get<ExportState>("/api/me/export")).data);
  useEffect(() => {
    void run(refresh);
  }, []);
  useEffect(() => {
    if (state?.state !== "queued") return;
    const timer = setInterval(() => void refresh().catch(() => undefined), 2000);
    return () => clearInterval(timer);
  }, [state?.state]);

  const ask = () =>
    void run(async () => {
      setDone(null);
      setState((await api.post<ExportState>("/api/me/export")).data);
    });
  const discard = () =>
    void run(async () => {
      await api.delete("/api/me/export");
      await refresh();
    });
  const download = () =>
    void run(async () => {
      if (!state?.exportId || !state.parts) return;
      const pieces: Blob[] = [];
      setFraction(0);
      try {
        for (let n = 0; n < state.parts; n++) {
          pieces.push(await fetchPart(`/api/me/export/${state.exportId}/parts/${n}`));
          setFraction((n + 1) / state.parts);
        }
      } finally {
        setFraction(null);
      }
      const fileName = state.fileName ?? "casedesk-my-data.zip";
      const url = URL.createObjectURL(new Blob(pieces, { type: "application/zip" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = fileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      await api.delete("/api/me/export"); // downloaded: nothing of it stays on the server
      setDone(fileName);
      await refresh();
    });

  return (
    <section class="card stack" data-testid="data-export" aria-labelledby="export-title">
      <h2 id="export-title">{t("web.myData.title")}</h2>
      <p>{t("web.myData.intro")}</p>
      <FormError error={error} fields={[]} />
      {done && <Notice kind="success">{t("web.myData.downloaded", { file: done })}</Notice>}
      {state?.state === "failed" && <Notice kind="warning">{t("web.myData.failed")}</Notice>}
      {state?.state === "queued" && (
        <div class="progress" role="status" data-testid="export-preparing">
          <span>{t("web.myData.preparing")}</span>
          <progress aria-label={t("web.myData.preparing")} />
        </div>
      )}
      {state?.state === "ready" && (
        <div class="stack" data-testid="export-ready">
          <Notice kind="info">
            {t("web.myData.ready", {
              size: formatBytes(state.size ?? 0),
              date: formatDateTime(state.expiresAt),
            })}
          </Notice>
          {fraction !== null && (
            <div class="progress" role="status">
              <span>{t("web.myData.downloading", { percent: Math.round(fraction * 100) })}</span>
              <progress value={fraction} max={1} />
            </div>
          )}
          <div class="actions">
            <button
              type="button"
              class="button"
              onClick={download}
              disabled={busy}
              data-testid="export-download"
            >
              {t("web.myData.download")}
            </button>
            <button type="button" class="button-quiet" onClick={discard} disabled={busy}>
              {t("web.myData.discard")}
            </button>
          </div>
        </div>
      )}
      {state && (state.state === "none" || state.state === "failed") && (
        <div class="actions">
          <button type="button" class="button" onClick={ask} disabled={busy} data-testid="export-request">
            {t("web.myData.request")}
          </button>
        </div>
      )}
    </section>
  );
}

export function DeleteAccount() {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [understood, setUnderstood] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!password) return setError(requiredError("password"));
    if (!code.trim()) return setError(requiredError("code"));
    if (!understood) return setError(requiredError("understood"));
    const factor = /^\d{6}$/.test(code.trim()) ? { code: code.trim() } : { recoveryCode: code.trim() };
    void run(async () => {
      await api.post("/api/me/delete", { password, ...factor });
      setDeleted(true);
      await loadSession().catch(() => undefined);
    });
  };
  if (deleted) {
    return (
      <section class="card" data-testid="account-deleted">
        <Notice kind="success">{t("web.deleteAccount.done")}</Notice>
        <a class="button" href="/">
          {t("web.deleteAccount.home")}
        </a>
      </section>
    );
  }
  return (
    <section class="card stack" data-testid="delete-account" aria-labelledby="delete-title">
      <h2 id="delete-title">{t("web.deleteAccount.title")}</h2>
      <p>{t("web.deleteAccount.intro")}</p>
      <ul>
        <li>{t("web.deleteAccount.goes")}</li>
        <li>{t("web.deleteAccount.stays")}</li>
        <li>{t("web.deleteAccount.openCases")}</li>
      </ul>
      {!open ? (
        <div class="actions">
          <button type="button" class="button danger" onClick={() => setOpen(true)} data-testid="delete-open">
            {t("web.deleteAccount.start")}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} noValidate class="stack">
          <FormError error={error} fields={["password", "code", "understood"]} />
          <Field
            label={t("web.deleteAccount.password")}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            error={error}
          />
          <Field
            label={t("web.deleteAccount.code")}
            hint={t("web.deleteAccount.codeHint")}
            name="code"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
            error={error}
          />
          <Checkbox
            label={t("web.deleteAccount.understood")}
            name="understood"
            checked={understood}
            onChecked={setUnderstood}
          />
          <div class="actions">
            <button type="submit" class="button danger" disabled={busy} data-testid="delete-confirm">
              {t("web.deleteAccount.confirm")}
            </button>
            <button type="button" class="button-quiet" onClick={() => setOpen(false)}>
              {t("web.deleteAccount.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
