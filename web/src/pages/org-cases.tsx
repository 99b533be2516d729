// The organisation's cases for its admins (SPEC journey 17): every case with whose it is, its
// status, dates and last case-wide activity — never content — found by the employee's name,
// filtered by status and ordered by last activity or opening. Search, filter and order run on the
// server (the search: whole words, any case and accents: a blind index, docs/decisions/029 and
// 039), so they cover every case, not only the pages shown.
import { useState } from "preact/hooks";
import { statusName } from "../components/labels";
import { Field, Link, PageTitle, PagedLoaded, Select } from "../components/ui";
import type * as Api from "../lib/api-types";
import { formatDate, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { orgs } from "../lib/session";
import { useStore } from "../lib/store";
import { BreakGlassButton } from "../components/break-glass";
import { LastActivity } from "../components/last-activity";

type OrgCase = Api.OrgCase;
type StatusFilter = "all" | "open" | "closed" | "legal_hold";
type Order = "activity" | "opened";

/** The API's list for this search, status and order (all on the server: they cover every case). */
function casesPath(orgId: string, query: string, status: StatusFilter, order: Order): string {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  if (status !== "all") params.set("status", status);
  if (order !== "activity") params.set("sort", order);
  const text = params.toString();
  return `/api/orgs/${orgId}/cases${text ? `?${text}` : ""}`;
}

export function OrgCasesPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const [typed, setTyped] = useState("");
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<StatusFilter>("all");
  const [order, setOrder] = useState<Order>("activity");
  const cases = usePagedList<OrgCase>(casesPath(orgId, query, status, order), "cases");
  const mine = useStore(orgs).find((m) => m.orgId === orgId);
  const breakGlass = Boolean(mine?.accessAllCases && !mine.roles.includes("org_admin"));
  const search = (event: Event) => {
    event.preventDefault();
    setQuery(typed.trim());
  };
  return (
    <section>
      <p class="breadcrumb">
        <Link href={`/orgs/${orgId}`}>{t("web.org.title")}</Link>
      </p>
      <PageTitle>{t("web.orgCases.title")}</PageTitle>
      <p>{t("web.orgCases.intro")}</p>
      <form role="search" class="org-case-search" data-testid="org-case-search" onSubmit={search}>
        <Field
          label={t("web.orgCases.search")}
          hint={t("web.orgCases.searchHint")}
          name="q"
          autoComplete="off"
          value={typed}
          onValue={setTyped}
        />
        <div class="actions">
          <button type="submit" class="button">
            {t("web.orgCases.find")}
          </button>
          {query && (
            <button
              type="button"
              class="button-quiet"
              onClick={() => {
                setTyped("");
                setQuery("");
              }}
            >
              {t("web.orgCases.showAll")}
            </button>
          )}
        </div>
      </form>
      <div
        class="case-options"
        role="group"
        aria-label={t("web.orgCases.options")}
        data-testid="org-case-options"
      >
        <Select
          label={t("web.cases.statusFilter")}
          name="status"
          value={status}
          onValue={(v) => setStatus(v as StatusFilter)}
          options={[
            ["all", t("web.cases.allStatuses")],
            ["open", statusName("open")],
            ["closed", statusName("closed")],
            ["legal_hold", t("web.cases.legalHold")],
          ]}
        />
        <Select
          label={t("web.cases.sort")}
          name="order"
          value={order}
          onValue={(v) => setOrder(v as Order)}
          options={[
            ["activity", t("web.cases.sortActivity")],
            ["opened", t("web.cases.sortRecent")],
          ]}
        />
      </div>
      <PagedLoaded list={cases} label={t("web.orgCases.title")}>
        {(list) =>
          list.length === 0 ? (
            <p data-testid="org-cases-none">
              {query
                ? t("web.orgCases.noMatch", { query })
                : status !== "all"
                  ? t("web.orgCases.noneInState")
                  : t("web.orgCases.none")}
            </p>
          ) : (
            <ul class="case-list" data-testid="org-cases">
              {list.map((c) => (
                <li key={c.caseId} class="card case-entry">
                  <Link href={`/cases/${c.caseId}`} class="case-link">
                    {t("web.case.title", { name: c.employeeName })}
                  </Link>
                  <p class="meta">
                    <span class={`tag tag-${c.status}`}>{statusName(c.status)}</span>
                    {c.legalHold && <span class="tag tag-hold">{t("web.cases.legalHold")}</span>}
                  </p>
                  <p class="meta">
                    <LastActivity at={c.lastActivityAt} />
                    <span>{t("web.cases.openedOn", { date: formatDate(c.createdAt) })}</span>
                    {c.closedAt && <span>{t("web.cases.closedOn", { date: formatDate(c.closedAt) })}</span>}
                  </p>
                  {breakGlass && <BreakGlassButton orgId={orgId} caseId={c.caseId} name={c.employeeName} />}
                </li>
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}
