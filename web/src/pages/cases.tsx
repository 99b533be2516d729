// "My cases" across organisations; case managers open a new case here (which invites the
// employee by e-mail).
import { useState } from "preact/hooks";
import { languageOptions, roleName, statusName } from "../components/labels";
import { Field, FormError, Link, PageTitle, PagedLoaded, Select, requiredError, useAction } from "../components/ui";
import { api } from "../lib/api";
import { language, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { navigate } from "../lib/router";
import { type OrgMembership, orgs } from "../lib/session";
import { useStore } from "../lib/store";
import type { CaseRef, CaseSummary } from "../lib/types";

function NewCaseForm({ places }: { places: OrgMembership[] }) {
  const [orgId, setOrgId] = useState(places[0].orgId);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [lang, setLang] = useState<string>(language.get());
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return setError(requiredError("name"));
    if (!email.trim()) return setError(requiredError("email"));
    void run(async () => {
      const body = { employee: { name: name.trim(), email: email.trim(), language: lang } };
      const { data } = await api.post<CaseSummary>(`/api/orgs/${orgId}/cases`, body);
      navigate(`/cases/${data.caseId}`);
    });
  };
  return (
    <form onSubmit={submit} noValidate class="card" data-testid="new-case-form">
      <h2>{t("web.cases.newTitle")}</h2>
      <p>{t("web.cases.newIntro")}</p>
      <FormError error={error} fields={["name", "email", "language"]} />
      {places.length > 1 && (
        <Select label={t("web.cases.organisation")} name="orgId" value={orgId} onValue={setOrgId} options={places.map((p) => [p.orgId, p.name])} />
      )}
      <Field label={t("web.people.name")} name="name" autoComplete="off" value={name} onValue={setName} error={error} />
      <Field label={t("web.people.email")} name="email" type="email" autoComplete="off" value={email} onValue={setEmail} error={error} />
      <Select label={t("web.people.language")} name="language" value={lang} onValue={setLang} options={languageOptions()} error={error} />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.cases.create")}
        </button>
      </div>
    </form>
  );
}

export function CasesPage() {
  const memberships = useStore(orgs);
  const cases = usePagedList<CaseRef>("/api/me/cases", "cases");
  const managing = memberships.filter((m) => m.roles.includes("case_manager"));
  return (
    <section>
      <PageTitle>{t("web.cases.title")}</PageTitle>
      <PagedLoaded list={cases} label={t("web.cases.title")}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("web.cases.none")}</p>
          ) : (
            <ul class="case-list" data-testid="case-list">
              {list.map((c) => (
                <li key={c.caseId} class="card">
                  <Link href={`/cases/${c.caseId}`} class="case-link">
                    {t("web.cases.caseAt", { org: c.orgName })}
                  </Link>
                  <p class="meta">
                    <span>{t("web.cases.yourRole", { role: roleName(c.role) })}</span>
                    <span class={`tag tag-${c.status}`}>{statusName(c.status)}</span>
                    <span class="muted">{t("web.cases.reference", { id: c.caseId.slice(0, 8) })}</span>
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </PagedLoaded>
      {managing.length > 0 && <NewCaseForm places={managing} />}
    </section>
  );
}
