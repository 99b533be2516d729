// Evaluations and feedback (issue 16): the case's doctor records evaluations (work capacity,
// validity, restrictions, recommendations, next review — never a diagnosis); the employer contact
// gives dated feedback on the work trial (three 0–10 scales and a text). The employee always sees
// both; the author picks the other recipients (suggested: employer and case manager for an
// evaluation, doctor and case manager for feedback) and can share or revoke later. A correction
// is a new version: everyone sees "corrected" and the history of versions.
import { useState } from "preact/hooks";
import { DateField, dayError, isIsoDay } from "../components/date-field";
import { ScaleInput } from "../components/scale-input";
import { ShareDialog, type Shareable } from "../components/share-dialog";
import { roleName } from "../components/labels";
import {
  Checkbox,
  Field,
  FormError,
  Loaded,
  Notice,
  PagedLoaded,
  requiredError,
  useAction,
  useResource,
} from "../components/ui";
import { ApiError, api } from "../lib/api";
import { formatDate, formatDateTime, formatPercent, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { session } from "../lib/session";
import { useStore } from "../lib/store";
import {
  FEEDBACK_SCALES,
  type Evaluation,
  type EvaluationContent,
  type Feedback,
  type FeedbackContent,
  type FeedbackScaleName,
  type Participant,
} from "../lib/types";
import type { CaseContext } from "./case";

type Kind = "evaluations" | "feedback";
/** Who writes which kind, and whom the form suggests as recipients. */
const AUTHOR: Record<Kind, string> = { evaluations: "doctor", feedback: "employer" };
const SUGGESTED: Record<Kind, string[]> = {
  evaluations: ["employer", "case_manager"],
  feedback: ["doctor", "case_manager"],
};

export const feedbackScaleName = (scale: string) => t(`web.evaluations.feedbackScales.${scale}`);

/** The other participants to choose from (the employee always sees it; the author is the author). */
function RecipientPicker(props: {
  kind: Kind;
  participants: Participant[];
  me: string;
  chosen: Set<string>;
  onChosen: (chosen: Set<string>) => void;
}) {
  const employee = props.participants.find((p) => p.role === "employee");
  const others = props.participants.filter(
    (p) => p.status === "active" && p.userId !== props.me && p.role !== "employee",
  );
  return (
    <fieldset class="recipients" data-testid="recipients">
      <legend>{t("web.evaluations.recipients")}</legend>
      <p class="hint">
        {t("web.evaluations.employeeAlways", { name: employee?.name ?? t("web.roles.employee") })}
      </p>
      {others.length === 0 ? (
        <p class="muted">{t("web.evaluations.nobodyElse")}</p>
      ) : (
        others.map((p) => (
          <Checkbox
            key={p.userId}
            name={`recipient-${p.userId}`}
            label={`${p.name} (${roleName(p.role)})${SUGGESTED[props.kind].includes(p.role) ? ` · ${t("web.evaluations.suggested")}` : ""}`}
            checked={props.chosen.has(p.userId)}
            onChecked={(on) => {
              const next = new Set(props.chosen);
              if (on) next.add(p.userId);
              else next.delete(p.userId);
              props.onChosen(next);
            }}
          />
        ))
      )}
    </fieldset>
  );
}

function suggested(kind: Kind, participants: Participant[], me: string): Set<string> {
  return new Set(
    participants
      .filter((p) => p.status === "active" && p.userId !== me && SUGGESTED[kind].includes(p.role))
      .map((p) => p.userId),
  );
}

const EVALUATION_FIELDS = [
  "capacityPercent",
  "validFrom",
  "validTo",
  "restrictions",
  "recommendations",
  "nextReview",
  "recipients",
];

/** A new evaluation (with its recipients), or a correction of ``existing`` (a new version). */
function EvaluationForm(props: {
  url: string;
  participants: Participant[];
  me: string;
  existing?: Evaluation;
  onSaved: (message: string) => void;
  onCancel?: () => void;
}) {
  const start = props.existing;
  const [capacity, setCapacity] = useState(start ? String(start.capacityPercent) : "");
  const [validFrom, setValidFrom] = useState(start?.validFrom ?? "");
  const [validTo, setValidTo] = useState(start?.validTo ?? "");
  const [restrictions, setRestrictions] = useState(start?.restrictions ?? "");
  const [recommendations, setRecommendations] = useState(start?.recommendations ?? "");
  const [nextReview, setNextReview] = useState(start?.nextReview ?? "");
  const [chosen, setChosen] = useState(() => suggested("evaluations", props.participants, props.me));
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!capacity.trim()) return setError(requiredError("capacityPercent"));
    // A day typed wrong is refused at its field: nothing is sent.
    const wrongDay =
      dayError("validFrom", validFrom, { required: true }) ??
      dayError("validTo", validTo, { min: validFrom }) ??
      dayError("nextReview", nextReview);
    if (wrongDay) return setError(wrongDay);
    const percent = Number(capacity);
    const body: Record<string, unknown> = {
      // A whole number goes as a number; anything else as typed, for the API to name the field.
      capacityPercent: /^\d+$/.test(capacity.trim()) ? percent : capacity,
      validFrom,
      validTo: validTo || null,
      restrictions: restrictions.trim() ? restrictions : null,
      recommendations: recommendations.trim() ? recommendations : null,
      nextReview: nextReview || null,
    };
    void run(async () => {
      if (start) {
        await api.put(`${props.url}/${start.id}`, body, { ifMatch: start.etag });
        props.onSaved(t("web.evaluations.corrected"));
      } else {
        await api.post(props.url, { ...body, recipients: [...chosen] });
        props.onSaved(t("web.evaluations.saved"));
      }
    });
  };
  return (
    <form
      onSubmit={submit}
      noValidate
      class="stack"
      data-testid={start ? "evaluation-correct-form" : "evaluation-form"}
    >
      <Notice kind="warning">{t("web.evaluations.noDiagnosis")}</Notice>
      <FormError error={error} fields={EVALUATION_FIELDS} />
      <Field
        label={t("web.evaluations.capacity")}
        hint={t("web.evaluations.capacityHint")}
        name="capacityPercent"
        type="number"
        inputMode="numeric"
        min={0}
        max={100}
        value={capacity}
        onValue={setCapacity}
        error={error}
      />
      <div class="grid-2">
        <DateField
          label={t("web.evaluations.validFrom")}
          name="validFrom"
          required
          value={validFrom}
          onValue={setValidFrom}
          error={error}
        />
        <DateField
          label={t("web.evaluations.validTo")}
          hint={t("web.evaluations.validToHint")}
          name="validTo"
          min={isIsoDay(validFrom) ? validFrom : undefined}
          value={validTo}
          onValue={setValidTo}
          error={error}
        />
      </div>
      <Field
        label={t("web.evaluations.restrictions")}
        name="restrictions"
        multiline
        value={restrictions}
        onValue={setRestrictions}
        error={error}
      />
      <Field
        label={t("web.evaluations.recommendations")}
        name="recommendations"
        multiline
        value={recommendations}
        onValue={setRecommendations}
        error={error}
      />
      <DateField
        label={t("web.evaluations.nextReview")}
        name="nextReview"
        value={nextReview}
        onValue={setNextReview}
        error={error}
      />
      {!start && (
        <RecipientPicker
          kind="evaluations"
          participants={props.participants}
          me={props.me}
          chosen={chosen}
          onChosen={setChosen}
        />
      )}
      {start && <p class="hint">{t("web.evaluations.correctHint")}</p>}
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {start ? t("web.evaluations.saveCorrection") : t("web.evaluations.save")}
        </button>
        {props.onCancel && (
          <button type="button" class="button-quiet" onClick={props.onCancel}>
            {t("web.common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

type FeedbackScales = Record<FeedbackScaleName, number | null>;

function FeedbackForm(props: {
  url: string;
  participants: Participant[];
  me: string;
  today: string;
  existing?: Feedback;
  onSaved: (message: string) => void;
  onCancel?: () => void;
}) {
  const start = props.existing;
  const [date, setDate] = useState(start?.date ?? props.today);
  const [scales, setScales] = useState<FeedbackScales>({
    attendance: start?.attendance ?? null,
    workloadFit: start?.workloadFit ?? null,
    collaboration: start?.collaboration ?? null,
  });
  const [text, setText] = useState(start?.text ?? "");
  const [chosen, setChosen] = useState(() => suggested("feedback", props.participants, props.me));
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const wrongDay = dayError("date", date, { required: true, max: props.today });
    if (wrongDay) return setError(wrongDay);
    if (FEEDBACK_SCALES.every((s) => scales[s] === null) && !text.trim()) {
      return setError(
        new ApiError(
          0,
          "empty_feedback",
          t("web.evaluations.emptyTitle"),
          t("web.evaluations.emptyFeedback"),
          "attendance",
        ),
      );
    }
    const body = { date, ...scales, text: text.trim() ? text : null };
    void run(async () => {
      if (start) {
        await api.put(`${props.url}/${start.id}`, body, { ifMatch: start.etag });
        props.onSaved(t("web.evaluations.corrected"));
      } else {
        await api.post(props.url, { ...body, recipients: [...chosen] });
        props.onSaved(t("web.evaluations.feedbackSaved"));
      }
    });
  };
  return (
    <form
      onSubmit={submit}
      noValidate
      class="stack"
      data-testid={start ? "feedback-correct-form" : "feedback-form"}
    >
      <FormError error={error} fields={["date", ...FEEDBACK_SCALES, "text", "recipients"]} />
      <DateField
        label={t("web.evaluations.feedbackDate")}
        name="date"
        required
        max={props.today}
        value={date}
        onValue={setDate}
        error={error}
      />
      {FEEDBACK_SCALES.map((s) => (
        <ScaleInput
          key={s}
          name={s}
          label={feedbackScaleName(s)}
          low={t("web.evaluations.scaleLow")}
          high={t("web.evaluations.scaleHigh")}
          value={scales[s]}
          onValue={(value) => setScales({ ...scales, [s]: value })}
          error={error}
        />
      ))}
      <Field
        label={t("web.evaluations.feedbackText")}
        name="text"
        multiline
        value={text}
        onValue={setText}
        error={error}
      />
      {!start && (
        <RecipientPicker
          kind="feedback"
          participants={props.participants}
          me={props.me}
          chosen={chosen}
          onChosen={setChosen}
        />
      )}
      {start && <p class="hint">{t("web.evaluations.correctHint")}</p>}
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {start ? t("web.evaluations.saveCorrection") : t("web.evaluations.saveFeedback")}
        </button>
        {props.onCancel && (
          <button type="button" class="button-quiet" onClick={props.onCancel}>
            {t("web.common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

/** "Corrected" (with when), for every viewer of a record with more than one version. */
export function CorrectedTag({ record }: { record: { corrected: boolean; correctedAt: string | null } }) {
  if (!record.corrected) return null;
  return (
    <span class="tag tag-corrected" data-testid="corrected">
      {t("web.evaluations.correctedTag")}
      {record.correctedAt && <span class="visually-hidden"> {formatDateTime(record.correctedAt)}</span>}
    </span>
  );
}

export function EvaluationBody({ e }: { e: EvaluationContent }) {
  return (
    <dl class="record-values">
      <div>
        <dt>{t("web.evaluations.capacity")}</dt>
        <dd data-testid="capacity">{formatPercent(e.capacityPercent)}</dd>
      </div>
      <div>
        <dt>{t("web.evaluations.valid")}</dt>
        <dd>
          {e.validTo
            ? t("web.evaluations.validRange", { from: formatDate(e.validFrom), to: formatDate(e.validTo) })
            : t("web.evaluations.validOpen", { from: formatDate(e.validFrom) })}
        </dd>
      </div>
      {e.restrictions && (
        <div>
          <dt>{t("web.evaluations.restrictions")}</dt>
          <dd class="pre">{e.restrictions}</dd>
        </div>
      )}
      {e.recommendations && (
        <div>
          <dt>{t("web.evaluations.recommendations")}</dt>
          <dd class="pre">{e.recommendations}</dd>
        </div>
      )}
      {e.nextReview && (
        <div>
          <dt>{t("web.evaluations.nextReview")}</dt>
          <dd>{formatDate(e.nextReview)}</dd>
        </div>
      )}
    </dl>
  );
}

export function FeedbackBody({ f }: { f: FeedbackContent }) {
  return (
    <dl class="record-values">
      {FEEDBACK_SCALES.filter((s) => f[s] !== null).map((s) => (
        <div key={s}>
          <dt>{feedbackScaleName(s)}</dt>
          <dd>{t("web.reflections.valueOf10", { value: f[s] ?? "" })}</dd>
        </div>
      ))}
      {f.text && (
        <div>
          <dt>{t("web.evaluations.feedbackText")}</dt>
          <dd class="pre">{f.text}</dd>
        </div>
      )}
    </dl>
  );
}

/** Every version, newest first (read on demand: each read of someone else's record is audited). */
function History({ url, kind }: { url: string; kind: Kind }) {
  const detail = useResource(async () => (await api.get<Evaluation | Feedback>(url)).data, [url]);
  return (
    <Loaded data={detail.data} error={detail.error}>
      {(found) => (
        <ol class="history" data-testid="history">
          {(found.history ?? []).map((v) => (
            <li key={v.version} data-version={v.version}>
              <p class="meta">
                {t("web.evaluations.versionOf", { version: v.version, date: formatDateTime(v.at) })}
              </p>
              {kind === "evaluations" ? (
                <EvaluationBody e={v as EvaluationContent} />
              ) : (
                <FeedbackBody f={v as FeedbackContent} />
              )}
            </li>
          ))}
        </ol>
      )}
    </Loaded>
  );
}

function RecordCard(props: {
  kind: Kind;
  url: string;
  record: Evaluation | Feedback;
  author: string;
  canChange: boolean;
  onCorrect: () => void;
  onShare: () => void;
}) {
  const { kind, record } = props;
  const [showHistory, setShowHistory] = useState(false);
  const title =
    kind === "evaluations"
      ? t("web.evaluations.evaluationTitle", { date: formatDate((record as Evaluation).validFrom) })
      : t("web.evaluations.feedbackTitle", { date: formatDate((record as Feedback).date) });
  return (
    <li
      class="card"
      data-testid={kind === "evaluations" ? "evaluation" : "feedback"}
      data-id={record.id}
      data-corrected={record.corrected ? "yes" : "no"}
    >
      <div class="item-head">
        <h3 class="item-title">{title}</h3>
        <CorrectedTag record={record} />
      </div>
      <p class="meta">
        {t("web.evaluations.by", { name: props.author, date: formatDateTime(record.createdAt) })}
      </p>
      {kind === "evaluations" ? (
        <EvaluationBody e={record as Evaluation} />
      ) : (
        <FeedbackBody f={record as Feedback} />
      )}
      <div class="actions">
        {record.version > 1 && (
          <button
            type="button"
            class="button-quiet"
            aria-expanded={showHistory}
            onClick={() => setShowHistory(!showHistory)}
            data-testid="history-toggle"
          >
            {showHistory
              ? t("web.evaluations.hideHistory")
              : t("web.evaluations.showHistory", { count: record.version })}
          </button>
        )}
        {props.canChange && (
          <>
            <button type="button" class="button-quiet" onClick={props.onCorrect} data-testid="correct">
              {t("web.evaluations.correct")}
            </button>
            <button type="button" class="button-quiet" onClick={props.onShare} data-testid="share-record">
              {t("web.evaluations.recipientsButton")}
            </button>
          </>
        )}
      </div>
      {showHistory && <History url={`${props.url}/${record.id}`} kind={kind} />}
    </li>
  );
}

function Section(props: { kind: Kind; context: CaseContext; today: string }) {
  const { kind, context } = props;
  const { summary, myRole } = context;
  const me = useStore(session)?.userId ?? "";
  const url = `/api/cases/${summary.caseId}/${kind}`;
  const list = usePagedList<Evaluation | Feedback>(url, kind === "evaluations" ? "evaluations" : "feedback");
  const [writing, setWriting] = useState(false);
  const [correcting, setCorrecting] = useState<Evaluation | Feedback | null>(null);
  const [sharing, setSharing] = useState<Shareable | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const names = new Map(summary.participants.map((p) => [p.userId, p.name]));
  const open = summary.status === "open";
  const writes = open && myRole === AUTHOR[kind];
  const done = (message: string) => {
    setWriting(false);
    setCorrecting(null);
    setSaved(message);
    list.reload();
  };
  const title =
    kind === "evaluations" ? t("web.evaluations.title") : t("web.evaluations.feedbackSectionTitle");
  return (
    <section class="stack" data-testid={`${kind}-section`}>
      <h2>{title}</h2>
      <p class="lead">
        {kind === "evaluations" ? t("web.evaluations.intro") : t("web.evaluations.feedbackIntro")}
      </p>
      {writes && !writing && (
        <div class="actions">
          <button
            type="button"
            class="button"
            onClick={() => (setWriting(true), setSaved(null))}
            data-testid={kind === "evaluations" ? "new-evaluation" : "new-feedback"}
          >
            {kind === "evaluations" ? t("web.evaluations.new") : t("web.evaluations.newFeedback")}
          </button>
        </div>
      )}
      {writing &&
        (kind === "evaluations" ? (
          <EvaluationForm
            url={url}
            participants={summary.participants}
            me={me}
            onSaved={done}
            onCancel={() => setWriting(false)}
          />
        ) : (
          <FeedbackForm
            url={url}
            participants={summary.participants}
            me={me}
            today={props.today}
            onSaved={done}
            onCancel={() => setWriting(false)}
          />
        ))}
      {saved && <Notice kind="success">{saved}</Notice>}
      <PagedLoaded list={list} label={title}>
        {(records) =>
          records.length === 0 ? (
            <p class="muted" data-testid={`${kind}-empty`}>
              {kind === "evaluations" ? t("web.evaluations.empty") : t("web.evaluations.feedbackEmpty")}
            </p>
          ) : (
            <ul class="item-list" data-testid={`${kind}-list`}>
              {records.map((record) =>
                correcting?.id === record.id ? (
                  <li key={record.id} class="card">
                    <h3>{t("web.evaluations.correctTitle")}</h3>
                    {kind === "evaluations" ? (
                      <EvaluationForm
                        url={url}
                        participants={summary.participants}
                        me={me}
                        existing={record as Evaluation}
                        onSaved={done}
                        onCancel={() => setCorrecting(null)}
                      />
                    ) : (
                      <FeedbackForm
                        url={url}
                        participants={summary.participants}
                        me={me}
                        today={props.today}
                        existing={record as Feedback}
                        onSaved={done}
                        onCancel={() => setCorrecting(null)}
                      />
                    )}
                  </li>
                ) : (
                  <RecordCard
                    key={record.id}
                    kind={kind}
                    url={url}
                    record={record}
                    author={
                      record.mine
                        ? t("web.common.you")
                        : `${names.get(record.ownerId) ?? t("web.common.someone")} (${roleName(record.ownerRole ?? "")})`
                    }
                    canChange={open && record.mine}
                    onCorrect={() => (setCorrecting(record), setSaved(null))}
                    onShare={() => setSharing({ kind, id: record.id, title })}
                  />
                ),
              )}
            </ul>
          )
        }
      </PagedLoaded>
      {sharing && (
        <ShareDialog
          caseId={summary.caseId}
          item={sharing}
          participants={summary.participants.filter((p) => p.userId !== me)}
          onClose={() => (setSharing(null), list.reload())}
        />
      )}
    </section>
  );
}

/** Today in Europe/Zurich (the API's calendar for dates like feedback days). */
function zurichToday(): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Zurich",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

export function EvaluationsTab(context: CaseContext) {
  const today = zurichToday();
  return (
    <div class="stack" data-testid="evaluations-tab">
      <Section kind="evaluations" context={context} today={today} />
      <Section kind="feedback" context={context} today={today} />
    </div>
  );
}
