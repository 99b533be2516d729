// The case overview: participants (invite and remove for case managers), closing and reopening,
// and the legal hold for org admins.
import { InviteForm } from "../components/invite-form";
import { roleName, statusName } from "../components/labels";
import { FormError, Link, confirmed, useAction } from "../components/ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { orgs, session } from "../lib/session";
import { useStore } from "../lib/store";
import type { CaseContext } from "./case";
import { WhatIShare } from "./what-i-share";

const INVITABLE = ["employer", "doctor", "case_manager"];

export function CaseOverview({ summary, etag, myRole, reload }: CaseContext) {
  const me = useStore(session);
  const manager = myRole === "case_manager";
  const memberships = useStore(orgs);
  // Org admins read a case they do not take part in; so does break-glass staff (journey 17), who
  // may not set a legal hold.
  const admin =
    myRole === null && memberships.some((m) => m.orgId === summary.orgId && m.roles.includes("org_admin"));
  const { busy, error, run } = useAction();
  // Reload after success and failure alike: after a 412 (someone else changed the case) the
  // page shows the current state with the API's message, and the next try sends the new ETag.
  const act = (action: () => Promise<unknown>) =>
    void run(async () => {
      try {
        await action();
      } finally {
        reload();
      }
    });
  const caseUrl = `/api/cases/${summary.caseId}`;
  return (
    <div class="stack">
      <FormError error={error} />
      <section>
        <h2>{t("web.participants.title")}</h2>
        <ul class="people" data-testid="participants">
          {summary.participants.map((p) => (
            <li key={p.userId} class="person">
              <span class="person-name">{p.former ? t("web.case.formerParticipant") : p.name}</span>
              <span class="muted">{roleName(p.role)}</span>
              <span class={`tag tag-${p.status}`}>{statusName(p.status)}</span>
              <span class="person-actions">
                {myRole && p.userId !== me?.userId && p.status === "active" && (
                  <Link href={`/cases/${summary.caseId}/seen-by/${p.userId}`}>
                    {t("web.sharing.seeWhat", { name: p.name })}
                  </Link>
                )}
                {manager && p.userId !== me?.userId && p.role !== "employee" && (
                  <button
                    type="button"
                    class="button-quiet danger"
                    disabled={busy}
                    onClick={() =>
                      confirmed(t("web.participants.removeConfirm", { name: p.name })) &&
                      act(() => api.delete(`${caseUrl}/participants/${p.userId}`))
                    }
                  >
                    {t("web.participants.remove")}
                    <span class="visually-hidden"> {p.name}</span>
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      </section>
      {manager && summary.status === "open" && (
        <InviteForm
          endpoint={`/api/cases/${summary.caseId}/participants`}
          roles={INVITABLE}
          title={t("web.participants.inviteTitle")}
          roleLabel={t("web.participants.role")}
          testId="invite-form"
          level={3}
          onInvited={reload}
        />
      )}
      {manager && (
        <section class="card">
          <h3>{t("web.case.statusTitle")}</h3>
          <p>{summary.status === "open" ? t("web.case.closeIntro") : t("web.case.reopenIntro")}</p>
          <button
            type="button"
            class={summary.status === "open" ? "button danger" : "button"}
            disabled={busy}
            data-testid="close-reopen"
            onClick={() => {
              if (summary.status === "open" && !confirmed(t("web.case.closeConfirm"))) return;
              act(() =>
                api.post(
                  `${caseUrl}/${summary.status === "open" ? "close" : "reopen"}`,
                  {},
                  { ifMatch: etag },
                ),
              );
            }}
          >
            {summary.status === "open" ? t("web.case.close") : t("web.case.reopen")}
          </button>
        </section>
      )}
      {admin && (
        <p>
          <Link href={`/cases/${summary.caseId}/access-review`} data-testid="access-review-link">
            {t("web.accessReview.title")}
          </Link>
        </p>
      )}
      {admin && (
        <section class="card">
          <h3>{t("web.case.legalHoldTitle")}</h3>
          <p>{t("web.case.legalHoldIntro")}</p>
          <p data-testid="legal-hold-state">
            <strong>{summary.legalHold ? t("web.case.legalHoldOn") : t("web.case.legalHoldOff")}</strong>
          </p>
          <button
            type="button"
            class="button-quiet"
            disabled={busy}
            data-testid="legal-hold"
            onClick={() =>
              act(() =>
                api.put(`${caseUrl}/legal-hold`, { legalHold: !summary.legalHold }, { ifMatch: etag }),
              )
            }
          >
            {summary.legalHold ? t("web.case.liftLegalHold") : t("web.case.setLegalHold")}
          </button>
        </section>
      )}
      {/* Last: it loads after the page, and nothing below it can move. */}
      {myRole && <WhatIShare summary={summary} />}
    </div>
  );
}
