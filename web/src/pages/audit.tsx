// The organisation's audit log for org admins: newest first, filtered by person, action, case
// and period, paged with "load more". People by name (the API names each page's actors), actions
// in words with their code beside (issue 25), chosen from a list rather than typed.
import { useState } from "preact/hooks";
import { DateField, isIsoDay } from "../components/date-field";
import { Field, Link, LoadMore, Loaded, PageTitle, Select, useResource } from "../components/ui";
import { actionLabel } from "../lib/audit";
import { catalogKeys, formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { type Member, staffMembers } from "./org";
import type * as Api from "../lib/api-types";

type AuditEvent = Api.AuditEventView;

/** The labelled actions, for the filter's list, in the reader's alphabetical order. */
function actionOptions(): [string, string][] {
  const codes = catalogKeys("web.audit.actions");
  const options = codes.map((code): [string, string] => [code, actionLabel(code)]);
  return [["", t("web.audit.anyAction")], ...options.sort((a, b) => a[1].localeCompare(b[1]))];
}

interface Filters {
  actor: string;
  action: string;
  caseId: string;
  since: string;
  until: string;
}

const NONE: Filters = { actor: "", action: "", caseId: "", since: "", until: "" };

function query(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.action.trim()) params.set("action", filters.action.trim());
  if (filters.caseId.trim()) params.set("caseId", filters.caseId.trim());
  // Whole days in the user's time zone, sent as instants with offset.
  if (filters.since) params.set("since", new Date(`${filters.since}T00:00:00`).toISOString());
  if (filters.until) params.set("until", new Date(`${filters.until}T23:59:59`).toISOString());
  return params.toString();
}

export function AuditPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  // Every member, for the person filter and the names in the table (all pages of the staff list).
  const staff = useResource<Member[]>(() => staffMembers(orgId), [orgId]);
  const log = usePagedList<AuditEvent>(`/api/orgs/${orgId}/audit?${query(filters)}`, "events");
  const names = new Map((staff.data ?? []).map((m) => [m.userId, m.name]));
  const set = (name: keyof Filters) => (value: string) => setDraft({ ...draft, [name]: value });
  return (
    <section class="stack">
      <p class="breadcrumb">
        <Link href={`/orgs/${orgId}`}>{t("web.org.title")}</Link>
      </p>
      <PageTitle>{t("web.audit.title")}</PageTitle>
      <form
        class="card"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          // A day typed wrong is shown at its field (DateField) and not applied.
          if ([draft.since, draft.until].some((day) => day !== "" && !isIsoDay(day))) return;
          setFilters(draft);
        }}
      >
        <h2>{t("web.audit.filters")}</h2>
        <div class="grid-2">
          <Select
            label={t("web.audit.actor")}
            name="actor"
            value={draft.actor}
            onValue={set("actor")}
            options={[
              ["", t("web.audit.anyone")],
              ...(staff.data ?? []).map((m): [string, string] => [m.userId, m.name]),
            ]}
            error={log.error}
          />
          <Select
            label={t("web.audit.action")}
            name="action"
            value={draft.action}
            onValue={set("action")}
            options={actionOptions()}
            error={log.error}
          />
          <Field
            label={t("web.audit.case")}
            name="caseId"
            value={draft.caseId}
            onValue={set("caseId")}
            error={log.error}
          />
          <DateField
            label={t("web.audit.since")}
            name="since"
            value={draft.since}
            onValue={set("since")}
            error={log.error}
          />
          <DateField
            label={t("web.audit.until")}
            name="until"
            value={draft.until}
            onValue={set("until")}
            error={log.error}
          />
        </div>
        <div class="actions">
          <button type="submit" class="button">
            {t("web.audit.apply")}
          </button>
          <button
            type="button"
            class="button-quiet"
            onClick={() => {
              setDraft(NONE);
              setFilters(NONE);
            }}
          >
            {t("web.audit.reset")}
          </button>
        </div>
      </form>
      {/* A filter the API refused is shown at its field above, not again here. */}
      {!log.error?.field && (
        <Loaded data={log.items} error={log.error}>
          {(events) =>
            events.length === 0 ? (
              <p>{t("web.audit.none")}</p>
            ) : (
              <div class="table-scroll" tabIndex={0} role="region" aria-label={t("web.audit.title")}>
                <table class="data-table audit-table" data-testid="audit-table">
                  <thead>
                    <tr>
                      <th scope="col">{t("web.audit.when")}</th>
                      <th scope="col">{t("web.audit.actor")}</th>
                      <th scope="col">{t("web.audit.action")}</th>
                      <th scope="col">{t("web.audit.target")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {events.map((e) => (
                      <tr key={`${e.seq}-${e.at}`}>
                        <td class="when">{formatDateTime(e.at)}</td>
                        <td>
                          {e.actor === "system"
                            ? t("web.audit.system")
                            : (e.actorName ?? names.get(e.actor) ?? e.actor.slice(0, 8))}
                        </td>
                        <td>
                          {actionLabel(e.action)}
                          {actionLabel(e.action) !== e.action && (
                            <span class="muted">
                              {" "}
                              <code>{e.action}</code>
                            </span>
                          )}
                        </td>
                        <td>
                          {e.caseId ? (
                            <Link href={`/cases/${e.caseId}`}>
                              {t("web.audit.caseRef", { id: e.caseId.slice(0, 8) })}
                            </Link>
                          ) : (
                            `${e.targetType} ${e.targetId.slice(0, 8)}`
                          )}
                          {e.reason && <p class="muted">{e.reason}</p>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      )}
      {log.items && <LoadMore list={log} label={t("web.audit.title")} />}
    </section>
  );
}
