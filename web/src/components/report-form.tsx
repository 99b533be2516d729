// "Create report" on a case's dashboard (SPEC journey 12): the period, the language and an optional
// recipient line printed in the watermark of every page; the PDF is made by the server from what
// this user may see now and downloaded at once (never stored on the server), with a progress
// state while it is made and while it arrives.
import { useState } from "preact/hooks";
import { DateField, dayError, isIsoDay } from "./date-field";
import { Checkbox, Field, FormError, Notice, Select, useAction } from "./ui";
import { downloadPost } from "../lib/api";
import { addDays } from "../lib/dates";
import { language, t } from "../lib/i18n";
import { useStore } from "../lib/store";

/** Who may make a report (SPEC §3): not the employer contact, not org admins. */
export const REPORT_ROLES = ["employee", "case_manager", "doctor"];

type Progress =
  | { stage: "making" }
  | { stage: "loading"; fraction: number }
  | { stage: "done"; fileName: string; reportId: string | null };

export function CreateReport({ caseId, today }: { caseId: string; today: string }) {
  const lang = useStore(language);
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(addDays(today, -89));
  const [to, setTo] = useState(today);
  const [reportLanguage, setReportLanguage] = useState<string>(lang);
  const [recipient, setRecipient] = useState("");
  const [includeText, setIncludeText] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const { busy, error, setError, run } = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    // A day typed wrong (or after today, or a period ending before it starts) is refused at its field.
    const wrongDay =
      dayError("from", from, { required: true, max: today }) ??
      dayError("to", to, { required: true, min: from, max: today });
    if (wrongDay) return setError(wrongDay);
    setProgress({ stage: "making" });
    void run(async () => {
      try {
        const body = { from, to, language: reportLanguage, recipient: recipient.trim() || null, includeText };
        const answer = await downloadPost(`/api/cases/${caseId}/reports`, body, {
          onProgress: (fraction) =>
            setProgress(fraction === null ? { stage: "making" } : { stage: "loading", fraction }),
        });
        const fileName = answer.fileName ?? "casedesk-report.pdf";
        const url = URL.createObjectURL(answer.blob);
        const link = document.createElement("a");
        link.href = url;
        link.download = fileName;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        // Grouped as printed on the paper: ABCD-EFGH-JKMN.
        const reportId = answer.headers("X-Report-Id")?.replace(/(.{4})(?=.)/g, "$1-") ?? null;
        setProgress({ stage: "done", fileName, reportId });
      } catch (caught) {
        setProgress(null);
        throw caught;
      }
    });
  };

  if (!open) {
    return (
      <div class="actions">
        <button type="button" class="button" onClick={() => setOpen(true)} data-testid="report-open">
          {t("web.reports.create")}
        </button>
      </div>
    );
  }
  return (
    <section class="card stack" aria-labelledby="report-title" data-testid="report-form">
      <h3 id="report-title">{t("web.reports.title")}</h3>
      <p class="hint">{t("web.reports.intro")}</p>
      <form onSubmit={submit} noValidate class="stack">
        <FormError error={error} fields={["from", "to", "language", "recipient"]} />
        <div class="grid-2">
          <DateField
            label={t("web.reports.from")}
            name="from"
            required
            value={from}
            max={today}
            onValue={setFrom}
            error={error}
          />
          <DateField
            label={t("web.reports.to")}
            name="to"
            required
            value={to}
            min={isIsoDay(from) ? from : undefined}
            max={today}
            onValue={setTo}
            error={error}
          />
        </div>
        <Select
          label={t("web.reports.language")}
          name="language"
          value={reportLanguage}
          onValue={setReportLanguage}
          options={[
            ["en", "English"],
            ["de", "Deutsch"],
          ]}
          error={error}
        />
        <Field
          label={t("web.reports.recipient")}
          name="recipient"
          value={recipient}
          onValue={setRecipient}
          hint={t("web.reports.recipientHint")}
          error={error}
        />
        <Checkbox
          label={t("web.reports.includeText")}
          name="includeText"
          checked={includeText}
          onChecked={setIncludeText}
        />
        <div class="actions">
          <button type="submit" class="button" disabled={busy} data-testid="report-submit">
            {t("web.reports.submit")}
          </button>
          <button type="button" class="button-quiet" disabled={busy} onClick={() => setOpen(false)}>
            {t("web.reports.close")}
          </button>
        </div>
      </form>
      <div aria-live="polite" data-testid="report-progress">
        {progress?.stage === "making" && (
          <p class="loading" role="status">
            {t("web.reports.making")}
          </p>
        )}
        {progress?.stage === "loading" && (
          <p role="status">
            <label>
              {t("web.reports.loading")} <progress max={1} value={progress.fraction} />
            </label>
          </p>
        )}
        {progress?.stage === "done" && (
          <Notice kind="success">
            {t("web.reports.done", { file: progress.fileName })}{" "}
            {progress.reportId && t("web.reports.reportId", { id: progress.reportId })}
          </Notice>
        )}
      </div>
    </section>
  );
}
