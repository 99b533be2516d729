// The integration plan: a timeline of stages (from date, workload, tasks, next review) that
// every participant sees; case managers add, change and delete stages (with the stage's ETag,
// so a concurrent change is never overwritten) and everyone can read the change history.
import { useState } from "preact/hooks";
import { DateField, dayError } from "../components/date-field";
import { Field, FormError, PagedLoaded, confirmed, requiredError, useAction } from "../components/ui";
import { ApiError, api } from "../lib/api";
import { formatDate, formatDateTime, formatPercent, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { PlanChange, Stage } from "../lib/types";
import type { CaseContext } from "./case";

interface Draft {
  fromDate: string;
  workloadPercent: string;
  tasks: string;
  nextReview: string;
}

const EMPTY: Draft = { fromDate: "", workloadPercent: "", tasks: "", nextReview: "" };

function StageForm(props: {
  url: string;
  stage?: Stage;
  onSaved: () => void;
  onCancel?: () => void;
  onStale?: () => void;
}) {
  const { url, stage, onSaved, onCancel } = props;
  const [draft, setDraft] = useState<Draft>(
    stage
      ? {
          fromDate: stage.fromDate,
          workloadPercent: String(stage.workloadPercent),
          tasks: stage.tasks,
          nextReview: stage.nextReview ?? "",
        }
      : EMPTY,
  );
  const { busy, error, setError, run } = useAction();
  const set = (name: keyof Draft) => (value: string) => setDraft({ ...draft, [name]: value });
  const submit = (event: Event) => {
    event.preventDefault();
    // A day typed wrong is refused at its field: nothing is sent.
    const wrongDay =
      dayError("fromDate", draft.fromDate, { required: true }) ?? dayError("nextReview", draft.nextReview);
    if (wrongDay) return setError(wrongDay);
    if (!draft.workloadPercent) return setError(requiredError("workloadPercent"));
    void run(async () => {
      const body = {
        fromDate: draft.fromDate,
        workloadPercent: Number(draft.workloadPercent),
        tasks: draft.tasks,
        nextReview: draft.nextReview || null,
      };
      try {
        if (stage) await api.put(`${url}/stages/${stage.stageId}`, body, { ifMatch: stage.etag });
        else await api.post(`${url}/stages`, body);
      } catch (caught) {
        // Someone changed the stage meanwhile: reload the plan (this form keeps what was typed
        // and gets the new ETag), show the API's message; saving again is a conscious choice.
        if (caught instanceof ApiError && caught.status === 412) props.onStale?.();
        throw caught;
      }
      if (!stage) setDraft(EMPTY);
      onSaved();
    });
  };
  return (
    <form onSubmit={submit} noValidate class="card" data-testid="stage-form">
      <h3>{stage ? t("web.plan.editTitle") : t("web.plan.addTitle")}</h3>
      <FormError error={error} fields={["fromDate", "workloadPercent", "tasks", "nextReview"]} />
      <div class="grid-2">
        <DateField
          label={t("web.plan.fromDate")}
          name="fromDate"
          required
          value={draft.fromDate}
          onValue={set("fromDate")}
          error={error}
        />
        <Field
          label={t("web.plan.workload")}
          name="workloadPercent"
          type="number"
          inputMode="numeric"
          min={0}
          max={100}
          value={draft.workloadPercent}
          onValue={set("workloadPercent")}
          error={error}
        />
      </div>
      <Field
        label={t("web.plan.tasks")}
        hint={t("web.plan.tasksHint")}
        name="tasks"
        multiline
        value={draft.tasks}
        onValue={set("tasks")}
        error={error}
      />
      <DateField
        label={t("web.plan.nextReview")}
        name="nextReview"
        value={draft.nextReview}
        onValue={set("nextReview")}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {stage ? t("web.common.save") : t("web.plan.add")}
        </button>
        {onCancel && (
          <button type="button" class="button-quiet" onClick={onCancel}>
            {t("web.common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

function History({ url, names }: { url: string; names: Map<string, string> }) {
  const history = usePagedList<PlanChange>(`${url}/history`, "changes");
  return (
    <PagedLoaded list={history} label={t("web.plan.historyTitle")}>
      {(changes) => (
        <ol class="history">
          {changes.map((c) => (
            <li key={`${c.stageId}-${c.version}`}>
              {t(`web.plan.change.${c.change}`, {
                who: names.get(c.by) ?? t("web.common.someone"),
                when: formatDateTime(c.at),
                from: c.stage ? formatDate(c.stage.fromDate) : "",
              })}
            </li>
          ))}
        </ol>
      )}
    </PagedLoaded>
  );
}

export function PlanTab({ summary, myRole }: CaseContext) {
  const url = `/api/cases/${summary.caseId}/plan`;
  const plan = usePagedList<Stage>(url, "stages");
  const [editing, setEditing] = useState<string | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const { busy, error, run } = useAction();
  const manager = myRole === "case_manager" && summary.status === "open";
  const names = new Map(summary.participants.map((p) => [p.userId, p.name]));
  return (
    <div class="stack">
      <h2>{t("web.plan.title")}</h2>
      <FormError error={error} />
      <PagedLoaded list={plan} label={t("web.plan.title")}>
        {(stages) =>
          stages.length === 0 ? (
            <p>{t("web.plan.empty")}</p>
          ) : (
            <ol class="timeline" data-testid="plan-timeline">
              {stages.map((stage) =>
                editing === stage.stageId ? (
                  <li key={stage.stageId}>
                    <StageForm
                      url={url}
                      stage={stage}
                      onStale={plan.reload}
                      onCancel={() => setEditing(null)}
                      onSaved={() => (setEditing(null), plan.reload())}
                    />
                  </li>
                ) : (
                  <li key={stage.stageId} class="timeline-item">
                    <h3>{t("web.plan.from", { date: formatDate(stage.fromDate) })}</h3>
                    <p class="workload">
                      {t("web.plan.workloadIs", { percent: formatPercent(stage.workloadPercent) })}
                      <progress max={100} value={stage.workloadPercent} aria-hidden="true" />
                    </p>
                    {stage.tasks && <p class="pre">{stage.tasks}</p>}
                    {stage.nextReview && (
                      <p class="muted">{t("web.plan.reviewOn", { date: formatDate(stage.nextReview) })}</p>
                    )}
                    {manager && (
                      <div class="actions">
                        <button type="button" class="button-quiet" onClick={() => setEditing(stage.stageId)}>
                          {t("web.common.edit")}
                          <span class="visually-hidden">
                            {" "}
                            {t("web.plan.from", { date: formatDate(stage.fromDate) })}
                          </span>
                        </button>
                        <button
                          type="button"
                          class="button-quiet danger"
                          disabled={busy}
                          onClick={() =>
                            confirmed(t("web.plan.deleteConfirm")) &&
                            void run(async () => {
                              try {
                                await api.delete(`${url}/stages/${stage.stageId}`, { ifMatch: stage.etag });
                              } finally {
                                plan.reload();
                              }
                            })
                          }
                        >
                          {t("web.common.delete")}
                          <span class="visually-hidden">
                            {" "}
                            {t("web.plan.from", { date: formatDate(stage.fromDate) })}
                          </span>
                        </button>
                      </div>
                    )}
                  </li>
                ),
              )}
            </ol>
          )
        }
      </PagedLoaded>
      {manager && editing === null && <StageForm url={url} onSaved={plan.reload} />}
      <div>
        <button
          type="button"
          class="button-quiet"
          aria-expanded={showHistory}
          onClick={() => setShowHistory(!showHistory)}
        >
          {showHistory ? t("web.plan.hideHistory") : t("web.plan.showHistory")}
        </button>
        {showHistory && <History url={url} names={names} />}
      </div>
    </div>
  );
}
