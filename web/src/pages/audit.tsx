// The organisation's audit log for org admins: newest first, filtered by person, action, case
// and period, paged with "load more".
import { useState } from "preact/hooks";
import { Field, FormError, Link, Loaded, PageTitle, Select, useAction, useResource } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import type { Member } from "./org";

interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  caseId: string | null;
  reason: string | null;
}

interface Filters {
  actor: string;
  action: string;
  caseId: string;
  since: string;
  until: string;
}

const NONE: Filters = { actor: "", action: "", caseId: "", since: "", until: "" };

function query(filters: Filters, continuation?: string | null): string {
  const params = new URLSearchParams({ limit: "50" });
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.action.trim()) params.set("action", filters.action.trim());
  if (filters.caseId.trim()) params.set("caseId", filters.caseId.trim());
  // Whole days in the user's time zone, sent as instants with offset.
  if (filters.since) params.set("since", new Date(`${filters.since}T00:00:00`).toISOString());
  if (filters.until) params.set("until", new Date(`${filters.until}T23:59:59`).toISOString());
  if (continuation) params.set("continuation", continuation);
  return params.toString();
}

export function AuditPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [continuation, setContinuation] = useState<string | null>(null);
  const staff = useResource(async () => (await api.get<{ members: Member[] }>(`/api/orgs/${orgId}/staff`)).data.members, [orgId]);
  const first = useResource(async () => {
    const { data } = await api.get<{ events: AuditEvent[]; continuation: string | null }>(`/api/orgs/${orgId}/audit?${query(filters)}`);
    setEvents(data.events);
    setContinuation(data.continuation);
    return true;
  }, [orgId, filters]);
  const { busy, error, run } = useAction();
  const names = new Map((staff.data ?? []).map((m) => [m.userId, m.name]));
  const set = (name: keyof Filters) => (value: string) => setDraft({ ...draft, [name]: value });
  const loadMore = () =>
    void run(async () => {
      const { data } = await api.get<{ events: AuditEvent[]; continuation: string | null }>(`/api/orgs/${orgId}/audit?${query(filters, continuation)}`);
      setEvents([...events, ...data.events]);
      setContinuation(data.continuation);
    });
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
          setFilters(draft);
        }}
      >
        <h2>{t("web.audit.filters")}</h2>
        <div class="grid-2">
          <Select label={t("web.audit.actor")} name="actor" value={draft.actor} onValue={set("actor")} options={[["", t("web.audit.anyone")], ...(staff.data ?? []).map((m): [string, string] => [m.userId, m.name])]} error={first.error} />
          <Field label={t("web.audit.action")} hint={t("web.audit.actionHint")} name="action" value={draft.action} onValue={set("action")} error={first.error} />
          <Field label={t("web.audit.case")} name="caseId" value={draft.caseId} onValue={set("caseId")} error={first.error} />
          <Field label={t("web.audit.since")} name="since" type="date" value={draft.since} onValue={set("since")} error={first.error} />
          <Field label={t("web.audit.until")} name="until" type="date" value={draft.until} onValue={set("until")} error={first.error} />
        </div>
        <div class="actions">
          <button type="submit" class="button">
            {t("web.audit.apply")}
          </button>
          <button type="button" class="button-quiet" onClick={() => (setDraft(NONE), setFilters(NONE))}>
            {t("web.audit.reset")}
          </button>
        </div>
      </form>
      <FormError error={error} />
      <Loaded data={first.data} error={first.error?.field ? null : first.error}>
        {() =>
          events.length === 0 ? (
            <p>{t("web.audit.none")}</p>
          ) : (
            <div class="table-scroll" tabIndex={0} role="region" aria-label={t("web.audit.title")}>
              <table data-testid="audit-table">
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
                      <td>{formatDateTime(e.at)}</td>
                      <td>{names.get(e.actor) ?? e.actor.slice(0, 8)}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td>
                        {e.caseId ? <Link href={`/cases/${e.caseId}`}>{t("web.audit.caseRef", { id: e.caseId.slice(0, 8) })}</Link> : `${e.targetType} ${e.targetId.slice(0, 8)}`}
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
      {continuation && (
        <button type="button" class="button-quiet" disabled={busy} onClick={loadMore}>
          {t("web.common.loadMore")}
        </button>
      )}
    </section>
  );
}
