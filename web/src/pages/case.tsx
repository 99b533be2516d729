// One case: a header with its status and tabs for the overview (participants), the integration
// plan, documents and notes. What a user may do follows their role in the case; the API checks
// every action again.
import { Link, Loaded, Notice, PageTitle, useResource } from "../components/ui";
import { statusName } from "../components/labels";
import { loadCase } from "../lib/cases";
import { formatDateTime, t } from "../lib/i18n";
import { orgs, session } from "../lib/session";
import { useStore } from "../lib/store";
import type { CaseSummary } from "../lib/types";
import { CaseOverview } from "./case-overview";
import { DashboardTab } from "./dashboard";
import { DocumentsTab } from "./documents";
import { EvaluationsTab } from "./evaluations";
import { MessagesTab } from "./messages";
import { NotesTab } from "./notes";
import { PlanTab } from "./plan";
import { ReflectionsTab } from "./reflections";

export interface CaseContext {
  summary: CaseSummary;
  etag: string | null;
  myRole: string | null;
  reload: () => void;
}

const TABS = [
  "overview",
  "reflections",
  "dashboard",
  "evaluations",
  "plan",
  "documents",
  "notes",
  "messages",
] as const;

export function CasePage({ params }: { params: Record<string, string> }) {
  const me = useStore(session);
  const memberships = useStore(orgs);
  const caseId = params.caseId;
  const tab = (params.tab ?? "overview") as (typeof TABS)[number];
  // Every participant, not only the first page: the role, names and share pickers need them all.
  const loaded = useResource(() => loadCase(caseId), [caseId]);
  return (
    <section>
      <p class="breadcrumb">
        <Link href="/cases">{t("web.cases.title")}</Link>
      </p>
      <Loaded data={loaded.data} error={loaded.error}>
        {({ data: summary, etag }) => {
          const myRole = summary.participants.find((p) => p.userId === me?.userId)?.role ?? null;
          const employee = summary.participants.find((p) => p.role === "employee");
          const context: CaseContext = { summary, etag, myRole, reload: loaded.reload };
          // Org admins see the overview only: they never see case content (SPEC §1).
          // Reflections are the employee's own: nobody else has an entry page.
          // Staff who opened the case by break-glass (journey 17): the overview and the plan, read-only.
          const breakGlass =
            !myRole && !memberships.some((m) => m.orgId === summary.orgId && m.roles.includes("org_admin"));
          const tabs = myRole
            ? TABS.filter((name) => name !== "reflections" || myRole === "employee")
            : breakGlass
              ? (["overview", "plan"] as const)
              : (["overview"] as const);
          return (
            <>
              <PageTitle>{t("web.case.title", { name: employee?.name ?? "" })}</PageTitle>
              <p class="meta">
                <span class={`tag tag-${summary.status}`}>{statusName(summary.status)}</span>
                <span>{t("web.case.opened", { date: formatDateTime(summary.createdAt) })}</span>
                {summary.closedAt && (
                  <span>{t("web.case.closedAt", { date: formatDateTime(summary.closedAt) })}</span>
                )}
              </p>
              <nav aria-label={t("web.case.sections")} class="tabs">
                <ul>
                  {tabs.map((name) => (
                    <li key={name}>
                      <Link
                        href={name === "overview" ? `/cases/${caseId}` : `/cases/${caseId}/${name}`}
                        aria-current={tab === name ? "page" : undefined}
                      >
                        {t(`web.case.tabs.${name}`)}
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
              {breakGlass && (
                <Notice kind="warning">
                  <span data-testid="break-glass-notice">{t("web.breakGlass.notice")}</span>
                </Notice>
              )}
              {tab === "overview" && <CaseOverview {...context} />}
              {tab === "reflections" && myRole === "employee" && <ReflectionsTab {...context} />}
              {tab === "dashboard" && myRole && <DashboardTab {...context} />}
              {tab === "evaluations" && myRole && <EvaluationsTab {...context} />}
              {tab === "plan" && (myRole || breakGlass) && <PlanTab {...context} />}
              {tab === "documents" && myRole && <DocumentsTab {...context} />}
              {tab === "notes" && myRole && <NotesTab {...context} />}
              {tab === "messages" && myRole && <MessagesTab {...context} />}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
