// Break-glass (SPEC journey 17): staff holding "access all cases" open a case they are not
// assigned to only after ticking "outside my authorisation" and giving a reason. The access lasts
// a few hours, covers the summary and the plan (never private items), is audited with the reason
// and the organisation's admins are told.
import { useState } from "preact/hooks";
import { Checkbox, Dialog, Field, FormError, requiredError, useAction } from "./ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { navigate } from "../lib/router";

export function BreakGlassButton({ orgId, caseId, name }: { orgId: string; caseId: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [outside, setOutside] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      // Said at the field before asking the API (which refuses the same, with nothing stored).
      if (!outside) throw requiredError("outsideAuthorisation");
      if (!reason.trim()) throw requiredError("reason");
      await api.post(`/api/orgs/${orgId}/break-glass`, { caseId, outsideAuthorisation: outside, reason });
      navigate(`/cases/${caseId}`);
    });
  };
  return (
    <>
      <button
        type="button"
        class="button-quiet danger"
        data-testid="break-glass-open"
        onClick={() => setOpen(true)}
      >
        {t("web.breakGlass.open")}
        <span class="visually-hidden"> {name}</span>
      </button>
      {open && (
        <Dialog title={t("web.breakGlass.title", { name })} onClose={() => setOpen(false)}>
          <form noValidate onSubmit={submit} data-testid="break-glass-form" class="stack">
            <p>{t("web.breakGlass.intro")}</p>
            <FormError error={error} fields={["outsideAuthorisation", "reason"]} />
            <Checkbox
              name="outsideAuthorisation"
              label={t("web.breakGlass.outside")}
              checked={outside}
              onChecked={setOutside}
              error={error}
            />
            <Field
              label={t("web.breakGlass.reason")}
              hint={t("web.breakGlass.reasonHint")}
              name="reason"
              multiline
              value={reason}
              onValue={setReason}
              error={error}
            />
            <div class="actions">
              <button type="submit" class="button danger" disabled={busy}>
                {t("web.breakGlass.confirm")}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
