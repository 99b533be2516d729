// The organisation's cases for its admins (SPEC journey 17): every case with whose it is, its
// status and dates — never content — found by the employee's name. The search runs on the
// server (whole words, any case and accents: a blind index, docs/decisions/029-casework-screens.md)
// when the form is sent, so it covers every case, not only the pages shown.
import { useState } from "preact/hooks";
import { statusName } from "../components/labels";
import { Field, Link, PageTitle, PagedLoaded } from "../components/ui";
import { formatDate, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { orgs } from "../lib/session";
import { useStore } from "../lib/store";
import { BreakGlassButton } from "../components/break-glass";

interface OrgCase {
  caseId: string;
  employeeName: string;
  status: "open" | "closed";
  legalHold: boolean;
  createdAt: string;
  closedAt: string | null;
}

export function OrgCasesPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const [typed, setTyped] = useState("");
  const [query, setQuery] = useState("");
  const path = `/api/orgs/${orgId}/cases${query ? `?q=${encodeURIComponent(query)}` : ""}`;
  const cases = usePagedList<OrgCase>(path, "cases");
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
        <Field label={t("web.orgCases.search")} hint={t("web.orgCases.searchHint")} name="q" autoComplete="off" value={typed} onValue={setTyped} />
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
      <PagedLoaded list={cases} label={t("web.orgCases.title")}>
        {(list) =>
          list.length === 0 ? (
            <p data-testid="org-cases-none">{query ? t("web.orgCases.noMatch", { query }) : t("web.orgCases.none")}</p>
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
