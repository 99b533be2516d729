// "My cases" across organisations; case managers open a new case here (which invites the
// employee by e-mail).
import { useEffect, useState } from "preact/hooks";
import { roleName, statusName } from "../components/labels";
import { type Person, PersonFields } from "../components/person-fields";
import { LastActivity } from "../components/last-activity";
import {
  Field,
  FormError,
  Link,
  PageTitle,
  PagedLoaded,
  Select,
  requiredError,
  useAction,
} from "../components/ui";
import { api } from "../lib/api";
import { formatDate, language, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { navigate } from "../lib/router";
import { type OrgMembership, orgs } from "../lib/session";
import { useStore } from "../lib/store";
import type { CaseRef, CaseSummary } from "../lib/types";

function NewCaseForm({ places }: { places: OrgMembership[] }) {
  const [orgId, setOrgId] = useState(places[0].orgId);
  const [person, setPerson] = useState<Person>({ name: "", email: "", language: language.get() });
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const name = person.name.trim();
    const email = person.email.trim();
    if (!name) return setError(requiredError("name"));
    if (!email) return setError(requiredError("email"));
    void run(async () => {
      const body = { employee: { name, email, language: person.language } };
      const { data } = await api.post<CaseSummary>(`/api/orgs/${orgId}/cases`, body);
      navigate(`/cases/${data.caseId}`);
    });
  };
  return (
    <form onSubmit={submit} noValidate class="card new-case" data-testid="new-case-form">
      <h2>{t("web.cases.newTitle")}</h2>
      <p>{t("web.cases.newIntro")}</p>
      <FormError error={error} fields={["name", "email", "language"]} />
      {places.length > 1 && (
        <Select
          label={t("web.cases.organisation")}
          name="orgId"
          value={orgId}
          onValue={setOrgId}
          options={places.map((p) => [p.orgId, p.name])}
        />
      )}
      <PersonFields person={person} onChange={setPerson} error={error} />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.cases.create")}
        </button>
      </div>
    </form>
  );
}

type StatusFilter = "all" | "open" | "closed" | "legal_hold";
/** "activity" and "opened" are orders of the API (newest first); "name" sorts the cases loaded. */
type Order = "activity" | "opened" | "name";

/** The list the API answers for this status and order (the server filters and orders, so the
 * pages continue in that order; a new choice is a new list). */
function casesPath(status: StatusFilter, order: Order): string {
  const params = new URLSearchParams();
  if (order === "opened") params.set("sort", "opened");
  if (status !== "all") params.set("status", status);
  const query = params.toString();
  return `/api/me/cases${query ? `?${query}` : ""}`;
}

/** What an entry is called: whose case it is — or, before the invitation is accepted, where. */
function caseTitle(c: CaseRef): string {
  if (c.status === "invited" || !c.employeeName) return t("web.cases.invitedTo", { org: c.orgName });
  return c.role === "employee"
    ? t("web.cases.yours", { org: c.orgName })
    : t("web.case.title", { name: c.employeeName });
}

/** The entries the search leaves (over the pages loaded so far: names are not in the index the
 * API pages over), by name if asked — else in the API's order. */
function choose(list: CaseRef[], query: string, order: Order): CaseRef[] {
  const words = query.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const chosen = list.filter((c) => {
    const haystack = `${c.employeeName ?? ""} ${c.orgName}`.toLocaleLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  if (order !== "name") return chosen;
  return chosen.sort((a, b) => caseTitle(a).localeCompare(caseTitle(b), language.get()));
}

function CaseEntry({ c }: { c: CaseRef }) {
  return (
    <li class="card case-entry" data-case-id={c.caseId}>
      <Link href={`/cases/${c.caseId}`} class="case-link">
        {caseTitle(c)}
      </Link>
      <p class="meta">
        {c.caseStatus && <span class={`tag tag-${c.caseStatus}`}>{statusName(c.caseStatus)}</span>}
        {c.legalHold && <span class="tag tag-hold">{t("web.cases.legalHold")}</span>}
        {c.status === "invited" && <span class="tag tag-invited">{statusName("invited")}</span>}
        <span>{t("web.cases.yourRole", { role: roleName(c.role) })}</span>
        {c.employeeName && c.role !== "employee" && <span>{c.orgName}</span>}
      </p>
      <p class="meta">
        <LastActivity at={c.lastActivityAt} />
        {c.createdAt && <span>{t("web.cases.openedOn", { date: formatDate(c.createdAt) })}</span>}
        {c.closedAt && <span>{t("web.cases.closedOn", { date: formatDate(c.closedAt) })}</span>}
      </p>
      {c.status === "invited" && <p class="hint">{t("web.cases.invitedHint")}</p>}
    </li>
  );
}

/** Search, status and order over the cases listed (shown once there is more than one). */
function CaseFilters(props: {
  query: string;
  setQuery: (v: string) => void;
  status: StatusFilter;
  setStatus: (v: StatusFilter) => void;
  order: Order;
  setOrder: (v: Order) => void;
}) {
  return (
    <form role="search" class="case-filters" data-testid="case-filters" onSubmit={(e) => e.preventDefault()}>
      <h2 class="visually-hidden">{t("web.cases.find")}</h2>
      <Field
        label={t("web.cases.search")}
        name="q"
        autoComplete="off"
        value={props.query}
        onValue={props.setQuery}
      />
      <Select
        label={t("web.cases.statusFilter")}
        name="status"
        value={props.status}
        onValue={(v) => props.setStatus(v as StatusFilter)}
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
        value={props.order}
        onValue={(v) => props.setOrder(v as Order)}
        options={[
          ["activity", t("web.cases.sortActivity")],
          ["opened", t("web.cases.sortRecent")],
          ["name", t("web.cases.sortName")],
        ]}
      />
    </form>
  );
}

export function CasesPage() {
  const memberships = useStore(orgs);
  const managing = memberships.filter((m) => m.roles.includes("case_manager"));
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<StatusFilter>("all");
  const [order, setOrder] = useState<Order>("activity");
  const cases = usePagedList<CaseRef>(casesPath(status, order), "cases");
  // The form shows once there is something to tell apart — in the same render as the list, so
  // nothing moves when it comes — and stays while its choices reload the list (a filter that
  // leaves one case or none must not take the form away).
  const [shownBefore, setShownBefore] = useState(false);
  const loaded = cases.items;
  const many = Boolean(loaded && (loaded.length > 1 || cases.hasMore));
  const filtering = many || shownBefore;
  useEffect(() => {
    if (many) setShownBefore(true);
  }, [many]);
  const narrowed = status !== "all";
  return (
    <section>
      <PageTitle>{t("web.cases.title")}</PageTitle>
      {filtering && <CaseFilters {...{ query, setQuery, status, setStatus, order, setOrder }} />}
      <PagedLoaded list={cases} label={t("web.cases.title")}>
        {(list) => {
          if (list.length === 0)
            return <p data-testid="cases-none">{narrowed ? t("web.cases.noMatch") : t("web.cases.none")}</p>;
          const shown = choose([...list], query, order);
          return (
            <>
              {filtering && (
                <p class="muted" aria-live="polite" data-testid="case-count">
                  {t("web.cases.shown", { shown: shown.length, total: list.length })}
                </p>
              )}
              {shown.length === 0 ? (
                <p>{t("web.cases.noMatch")}</p>
              ) : (
                <ul class="case-list" data-testid="case-list">
                  {shown.map((c) => (
                    <CaseEntry key={c.caseId} c={c} />
                  ))}
                </ul>
              )}
            </>
          );
        }}
      </PagedLoaded>
      {managing.length > 0 && <NewCaseForm places={managing} />}
      {memberships
        .filter((m) => m.accessAllCases && !m.roles.includes("org_admin"))
        .map((m) => (
          <p key={m.orgId} data-testid="break-glass-search">
            <Link href={`/orgs/${m.orgId}/cases`}>{t("web.breakGlass.search", { org: m.name })}</Link>
          </p>
        ))}
    </section>
  );
}
