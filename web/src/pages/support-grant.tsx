// What an operator may see under a live support grant (issue 22), read-only: the cases in scope
// with their status, a case's participants (invitation states) and integration plan, the audit
// events and the failed requests' correlation ids — pseudonymised unless the organisation
// consented to identified data, and never the content of anyone's private items.
import { useState } from "preact/hooks";
import { Link, PageTitle, PagedLoaded } from "../components/ui";
import { roleName, statusName } from "../components/labels";
import { actionLabel } from "../lib/audit";
import { formatDate, formatDateTime, formatPercent, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type * as Api from "../lib/api-types";

type SupportCase = Api.SupportCase;

type Participant = Api.SupportParticipant;

type Stage = Api.SupportStage;

type AuditEvent = Api.SupportAuditEvent;

type Failure = Api.SupportFailure;

/** The API's marker for free text hidden at the pseudonymised level, in the reader's language. */
const HIDDEN = "[hidden]";
const shown = (text: string | null) => (text === HIDDEN ? t("web.support.view.hidden") : text);

function CaseDetail({ base, item }: { base: string; item: SupportCase }) {
  const people = usePagedList<Participant>(`${base}/cases/${item.caseId}/participants`, "participants");
  const stages = usePagedList<Stage>(`${base}/cases/${item.caseId}/plan`, "stages");
  return (
    <section class="stack card" data-testid="support-case">
      <h3>{t("web.support.view.caseOf", { name: item.employeeName })}</h3>
      <p class="meta">
        <span>{statusName(item.status)}</span>
        {item.createdAt && (
          <span>{t("web.support.view.opened", { date: formatDateTime(item.createdAt) })}</span>
        )}
        {item.closedAt && (
          <span>{t("web.support.view.closed", { date: formatDateTime(item.closedAt) })}</span>
        )}
      </p>
      <h4>{t("web.support.view.participants")}</h4>
      <PagedLoaded list={people} label={t("web.support.view.participants")}>
        {(items) => (
          <ul class="plain-list" data-testid="support-participants">
            {items.map((p) => (
              <li key={p.userId}>
                {p.name} · {roleName(p.role)} · {statusName(p.status)}
                {p.email && <span class="muted"> · {p.email}</span>}
              </li>
            ))}
          </ul>
        )}
      </PagedLoaded>
      <h4>{t("web.support.view.plan")}</h4>
      <PagedLoaded list={stages} label={t("web.support.view.plan")}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("web.support.view.noStages")}</p>
          ) : (
            <ul class="plain-list" data-testid="support-plan">
              {items.map((s) => (
                <li key={s.stageId}>
                  {formatDate(s.fromDate)} ·{" "}
                  {s.workloadPercent === null ? "–" : formatPercent(s.workloadPercent)} · {shown(s.tasks)}
                </li>
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}

export function SupportGrantPage({ params }: { params: Record<string, string> }) {
  const base = `/api/support/grants/${params.grantId}`;
  const cases = usePagedList<SupportCase>(`${base}/cases`, "cases");
  const events = usePagedList<AuditEvent>(`${base}/audit`, "events");
  const failures = usePagedList<Failure>(`${base}/failures`, "failures");
  const [open, setOpen] = useState<SupportCase | null>(null);
  return (
    <section class="stack">
      <p class="breadcrumb">
        <Link href="/support">{t("web.support.title")}</Link>
      </p>
      <PageTitle>{t("web.support.view.title")}</PageTitle>
      <p>{t("web.support.view.intro")}</p>
      <h2>{t("web.support.view.cases")}</h2>
      <PagedLoaded list={cases} label={t("web.support.view.cases")}>
        {(items) => (
          <ul class="item-list" data-testid="support-cases">
            {items.map((c) => (
              <li key={c.caseId} class="card">
                <button
                  type="button"
                  class="button-quiet"
                  onClick={() => setOpen(c)}
                  data-testid="support-case-open"
                >
                  {t("web.support.view.caseOf", { name: c.employeeName })} · {statusName(c.status)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </PagedLoaded>
      {open && <CaseDetail key={open.caseId} base={base} item={open} />}
      <h2>{t("web.support.view.audit")}</h2>
      <PagedLoaded list={events} label={t("web.support.view.audit")}>
        {(items) => (
          <ul class="plain-list" data-testid="support-audit">
            {items.map((e) => (
              <li key={e.seq}>
                {formatDateTime(e.at)} · {actionLabel(e.action)} <code class="muted">{e.action}</code> ·{" "}
                {e.actor}
                {e.reason && <span class="muted"> · {shown(e.reason)}</span>}
              </li>
            ))}
          </ul>
        )}
      </PagedLoaded>
      <h2>{t("web.support.view.failures")}</h2>
      <PagedLoaded list={failures} label={t("web.support.view.failures")}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("web.support.view.noFailures")}</p>
          ) : (
            <ul class="plain-list" data-testid="support-failures">
              {items.map((f) => (
                <li key={f.correlationId}>
                  {formatDateTime(f.at)} · {f.status} <code>{f.code}</code> · {f.function} ·{" "}
                  <code>{f.correlationId}</code>
                </li>
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}
