// The employee's reflections: an entry for one day (today or up to 14 days back) with six 0–10
// scales, three guided questions and a note; the history of a chosen period, newest first, with
// "edit" inside the editable window; and who sees the series (shared as a whole, never entry by
// entry). Other participants read the same history on the dashboard, with what is shared only.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { DateField, isIsoDay } from "../components/date-field";
import { ScaleInput } from "../components/scale-input";
import { SERIES_SEGMENT, ShareDialog, accessWords, personName } from "../components/share-dialog";
import { roleName } from "../components/labels";
import {
  FormError,
  Loaded,
  Notice,
  Select,
  confirmed,
  fieldError,
  useAction,
  useResource,
} from "../components/ui";
import { ApiError, api } from "../lib/api";
import { whoHasAccess } from "../lib/cases";
import { addDays, formatLongDay } from "../lib/dates";
import { formatDateTime, formatNumber, t } from "../lib/i18n";
import {
  PROMPTS,
  PROMPT_LIMITS,
  SCALES,
  type PromptName,
  type Reflection,
  type ReflectionList,
  type ScaleName,
} from "../lib/types";
import type { CaseContext } from "./case";

type Scales = Record<ScaleName, number | null>;
type Texts = Record<PromptName, string>;

const noScales = (): Scales => Object.fromEntries(SCALES.map((s) => [s, null])) as Scales;
const noTexts = (): Texts => Object.fromEntries(PROMPTS.map((p) => [p, ""])) as Texts;

export const scaleName = (scale: string) => t(`web.reflections.scales.${scale}.label`);
export const promptName = (prompt: string) => t(`web.reflections.prompts.${prompt}`);

/** The current entry of ``date`` (with its ETag), or null when there is none yet. */
async function readEntry(url: string, date: string): Promise<Reflection | null> {
  try {
    const { data, etag } = await api.get<Reflection>(`${url}/${date}`);
    return { ...data, etag: etag ?? data.etag };
  } catch (caught) {
    if (caught instanceof ApiError && caught.status === 404) return null;
    throw caught;
  }
}

function TextArea(props: {
  name: PromptName;
  value: string;
  onValue: (value: string) => void;
  error: ApiError | null;
}) {
  const id = useId();
  const limit = PROMPT_LIMITS[props.name];
  const over = props.value.length > limit;
  const message =
    fieldError(props.error, props.name) ??
    (over ? t("web.reflections.tooLong", { limit: formatNumber(limit) }) : undefined);
  return (
    <div class="field">
      <label for={id}>{promptName(props.name)}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.name === "note" ? 4 : 3}
        value={props.value}
        aria-invalid={message ? true : undefined}
        aria-describedby={`${id}-count${message ? ` ${id}-error` : ""}`}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
      <p class={over ? "hint counter field-error" : "hint counter"} id={`${id}-count`}>
        {t("web.reflections.count", { count: formatNumber(props.value.length), limit: formatNumber(limit) })}
      </p>
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

/** The form for one day. ``entry`` is what is stored (null: nothing yet); the typed values stay
 * when the stored version changes under us (a 412), only the ETag is renewed. */
function EntryForm(props: {
  url: string;
  date: string;
  entry: Reflection | null;
  onSaved: (entry: Reflection | null, message: string) => void;
  onStale: () => void;
}) {
  const { url, date, entry } = props;
  const [scales, setScales] = useState<Scales>(() => ({ ...noScales(), ...(entry?.scales ?? {}) }));
  const [texts, setTexts] = useState<Texts>(() => {
    const start = noTexts();
    for (const p of PROMPTS) start[p] = entry?.[p] ?? "";
    return start;
  });
  const { busy, error, setError, run } = useAction();
  const scaleErrorFields = SCALES as readonly string[];
  const submit = (event: Event) => {
    event.preventDefault();
    const tooLong = PROMPTS.find((p) => texts[p].length > PROMPT_LIMITS[p]);
    if (tooLong) {
      setError(
        new ApiError(
          0,
          "too_long",
          t("web.reflections.tooLongTitle"),
          t("web.reflections.tooLong", { limit: formatNumber(PROMPT_LIMITS[tooLong]) }),
          tooLong,
        ),
      );
      return;
    }
    if (SCALES.every((s) => scales[s] === null) && PROMPTS.every((p) => !texts[p].trim())) {
      setError(new ApiError(0, "empty_entry", t("web.reflections.emptyTitle"), t("web.reflections.empty")));
      return;
    }
    void run(async () => {
      const body: Record<string, unknown> = { scales };
      for (const p of PROMPTS) body[p] = texts[p].trim() ? texts[p] : null;
      try {
        const saved = entry
          ? await api.put<Reflection>(`${url}/${date}`, body, { ifMatch: entry.etag })
          : await api.put<Reflection>(`${url}/${date}`, body, { ifNoneMatch: "*" });
        props.onSaved(
          { ...saved.data, etag: saved.etag ?? saved.data.etag },
          t("web.reflections.saved", { date: formatLongDay(date) }),
        );
      } catch (caught) {
        // Changed or created elsewhere meanwhile: read the stored version again (the typed
        // values stay here), show the API's message; saving again is a conscious choice.
        if (caught instanceof ApiError && caught.status === 412) props.onStale();
        throw caught;
      }
    });
  };
  const remove = () =>
    entry &&
    confirmed(t("web.reflections.deleteConfirm", { date: formatLongDay(date) })) &&
    void run(async () => {
      try {
        await api.delete(`${url}/${date}`, { ifMatch: entry.etag });
      } catch (caught) {
        if (caught instanceof ApiError && caught.status === 412) props.onStale();
        throw caught;
      }
      props.onSaved(null, t("web.reflections.deleted", { date: formatLongDay(date) }));
    });
  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="reflection-form"
      data-date={date}
      data-stored={entry ? "yes" : "no"}
    >
      <FormError error={error} fields={[...scaleErrorFields, ...PROMPTS]} />
      <h3>{t("web.reflections.scalesTitle")}</h3>
      <p class="hint">{t("web.reflections.scalesHint")}</p>
      {SCALES.map((s) => (
        <ScaleInput
          key={s}
          name={s}
          label={scaleName(s)}
          low={t(`web.reflections.scales.${s}.low`)}
          high={t(`web.reflections.scales.${s}.high`)}
          value={scales[s]}
          onValue={(value) => setScales({ ...scales, [s]: value })}
          error={error}
        />
      ))}
      <h3>{t("web.reflections.textTitle")}</h3>
      <p class="hint">{t("web.reflections.textHint")}</p>
      {PROMPTS.map((p) => (
        <TextArea
          key={p}
          name={p}
          value={texts[p]}
          onValue={(value) => setTexts({ ...texts, [p]: value })}
          error={error}
        />
      ))}
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {entry ? t("web.reflections.saveChanges") : t("web.reflections.save")}
        </button>
        {entry && (
          <button
            type="button"
            class="button-quiet danger"
            disabled={busy}
            onClick={remove}
            data-testid="reflection-delete"
          >
            {t("web.common.delete")}
          </button>
        )}
      </div>
    </form>
  );
}

/** Which day, and the form for it (loaded again whenever the day changes). */
function EntryEditor(props: {
  url: string;
  today: string;
  editableFrom: string;
  date: string;
  onDate: (date: string) => void;
  onChanged: () => void;
}) {
  const { url, date } = props;
  const dateId = useId();
  const [loaded, setLoaded] = useState<{ date: string; entry: Reflection | null; generation: number } | null>(
    null,
  );
  const [saved, setSaved] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  // A stale save keeps the typed values: only the stored entry (its ETag) is read again.
  const [stale, setStale] = useState<Reflection | null | undefined>(undefined);
  const inWindow = date >= props.editableFrom && date <= props.today;
  const load = () => {
    setSaved(null);
    setStale(undefined);
    setLoadError(null);
    if (!inWindow) return;
    readEntry(url, date).then(
      (entry) => setLoaded((old) => ({ date, entry, generation: (old?.generation ?? 0) + 1 })),
      (caught: unknown) => {
        if (caught instanceof ApiError) setLoadError(caught);
        else throw caught;
      },
    );
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => load(), [url, date]);
  const current = loaded && loaded.date === date ? loaded : null;
  const stored = stale === undefined ? current?.entry : stale;
  // What is in the day field: the chosen day, or text that is no day yet — then no form shows,
  // so nothing is saved for a day other than the one the field names.
  const [typed, setTyped] = useState(date);
  useEffect(() => setTyped(date), [date]);
  const chosen = typed === date;
  return (
    <section
      class="card reflection-editor"
      aria-labelledby={`${dateId}-title`}
      data-testid="reflection-editor"
    >
      <h2 id={`${dateId}-title`} tabIndex={-1}>
        {stored ? t("web.reflections.editTitle") : t("web.reflections.newTitle")}
      </h2>
      <DateField
        label={t("web.reflections.day")}
        hint={t("web.reflections.dayHint")}
        name="date"
        required
        min={props.editableFrom}
        max={props.today}
        value={typed}
        describedBy={`${dateId}-chosen`}
        testId="reflection-date"
        onValue={(value) => {
          setTyped(value);
          if (isIsoDay(value)) props.onDate(value);
        }}
      />
      <p class="muted" id={`${dateId}-chosen`} data-testid="reflection-day">
        {chosen && inWindow ? formatLongDay(date) : t("web.reflections.outsideWindow")}
      </p>
      {loadError && <FormError error={loadError} />}
      {chosen && inWindow && !current && !loadError && <p class="loading">{t("web.common.loading")}</p>}
      {chosen && inWindow && current && (
        <EntryForm
          key={`${date}-${current.generation}`}
          url={url}
          date={date}
          entry={stored ?? null}
          onStale={() => void readEntry(url, date).then((fresh) => setStale(fresh))}
          onSaved={(entry, message) => {
            setStale(undefined);
            setLoaded((old) => ({ date, entry, generation: (old?.generation ?? 0) + 1 }));
            setSaved(message);
            props.onChanged();
          }}
        />
      )}
      {/* Under the button just pressed: on a phone, that is where the user is looking. */}
      {saved && <Notice kind="success">{saved}</Notice>}
    </section>
  );
}

const PERIODS = ["14", "30", "90", "365"] as const;

/** The entries of a period, newest first. ``onEdit`` (the employee) edits inside the window. */
export function ReflectionHistory(props: {
  caseId: string;
  generation?: number;
  onEdit?: (date: string) => void;
  onCalendar?: (today: string, editableFrom: string) => void;
  title: string;
  emptyText: string;
}) {
  const url = `/api/cases/${props.caseId}/reflections`;
  const [period, setPeriod] = useState<(typeof PERIODS)[number]>("30");
  const [today, setToday] = useState<string | null>(null);
  const list = useResource(async () => {
    const days = Number(period);
    const query = today ? `?from=${addDays(today, -(days - 1))}&to=${today}` : "";
    const { data } = await api.get<ReflectionList>(`${url}${query}`);
    if (!today) setToday(data.today);
    props.onCalendar?.(data.today, data.editableFrom);
    return data;
  }, [url, period, props.generation]);
  return (
    <section class="stack" data-testid="reflection-history">
      <h2>{props.title}</h2>
      <Select
        label={t("web.reflections.period")}
        name="period"
        value={period}
        onValue={(value) => setPeriod(value as (typeof PERIODS)[number])}
        options={PERIODS.map((days) => [days, t("web.reflections.lastDays", { days })])}
      />
      <Loaded data={list.data} error={list.error}>
        {(data) =>
          data.entries.length === 0 ? (
            <p class="muted" data-testid="reflection-history-empty">
              {props.emptyText}
            </p>
          ) : (
            <ul class="item-list" data-testid="reflection-list">
              {data.entries.map((entry) => (
                <li key={entry.date} class="card" data-testid="reflection" data-date={entry.date}>
                  <div class="item-head">
                    <h3 class="item-title">{formatLongDay(entry.date)}</h3>
                    {props.onEdit && entry.date >= data.editableFrom && entry.date <= data.today && (
                      <button
                        type="button"
                        class="button-quiet"
                        onClick={() => props.onEdit?.(entry.date)}
                        data-testid="reflection-edit"
                      >
                        {t("web.common.edit")}
                        <span class="visually-hidden"> {formatLongDay(entry.date)}</span>
                      </button>
                    )}
                  </div>
                  <dl class="scale-values">
                    {SCALES.filter((s) => entry.scales[s] !== null && entry.scales[s] !== undefined).map(
                      (s) => (
                        <div key={s}>
                          <dt>{scaleName(s)}</dt>
                          <dd>{t("web.reflections.valueOf10", { value: entry.scales[s] ?? "" })}</dd>
                        </div>
                      ),
                    )}
                  </dl>
                  {PROMPTS.filter((p) => entry[p]).map((p) => (
                    <div key={p} class="reflection-text" data-testid="reflection-text">
                      <h4>{promptName(p)}</h4>
                      <p class="pre">{entry[p]}</p>
                    </div>
                  ))}
                  <p class="meta">
                    {t("web.reflections.updated", { date: formatDateTime(entry.updatedAt) })}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

/** Who sees the series now, with its options, and the button to the sharing dialog. */
function SeriesSharing({ summary }: Pick<CaseContext, "summary">) {
  const caseId = summary.caseId;
  const [open, setOpen] = useState(false);
  const series = useResource(
    async () =>
      (await api.get<{ id: string; ownerId: string }>(`/api/cases/${caseId}/reflections-series`)).data,
    [caseId],
  );
  const access = useResource(
    async () =>
      series.data ? await whoHasAccess(`/api/cases/${caseId}/${SERIES_SEGMENT}/${series.data.id}`) : [],
    [caseId, series.data?.id, open],
  );
  const others = (access.data ?? []).filter((a) => a.access === "shared");
  return (
    <section class="card" data-testid="series-sharing">
      <h2>{t("web.reflections.sharingTitle")}</h2>
      <p>{t("web.reflections.sharingIntro")}</p>
      <Loaded data={series.data} error={series.error}>
        {(found) => (
          <>
            {others.length === 0 ? (
              <p class="muted" data-testid="series-private">
                {t("web.reflections.private")}
              </p>
            ) : (
              <ul class="people" data-testid="series-holders">
                {others.map((entry) => (
                  <li key={entry.userId} class="person">
                    <span class="person-name">{personName(entry)}</span>
                    <span class="muted">{entry.role && roleName(entry.role)}</span>
                    <span>{accessWords(entry, true).join(" · ")}</span>
                  </li>
                ))}
              </ul>
            )}
            <div class="actions">
              <button
                type="button"
                class="button-quiet"
                onClick={() => setOpen(true)}
                data-testid="share-series"
              >
                {t("web.reflections.share")}
              </button>
            </div>
            {open && (
              <ShareDialog
                caseId={caseId}
                item={{ kind: SERIES_SEGMENT, id: found.id, title: t("web.reflections.seriesTitle") }}
                participants={summary.participants.filter((p) => p.userId !== found.ownerId)}
                onClose={() => setOpen(false)}
              />
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

export function ReflectionsTab({ summary }: CaseContext) {
  const url = `/api/cases/${summary.caseId}/reflections`;
  // The server's calendar (Europe/Zurich): today and the first day that can still be changed,
  // as the history's answer tells them.
  const [calendar, setCalendar] = useState<{ today: string; editableFrom: string } | undefined>(undefined);
  const [date, setDate] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const editorRef = useRef<HTMLDivElement>(null);
  const open = summary.status === "open";
  return (
    <div class="stack">
      <p class="lead">{t("web.reflections.intro")}</p>
      {/* Until the calendar is in, the editor's place holds the screen: what follows it must not
          be pushed down when the tall form arrives (issue 24.8). */}
      <div class={calendar ? undefined : "loading-slot"}>
        <Loaded data={calendar} error={null}>
          {(data) => (
            <div ref={editorRef}>
              {open ? (
                <EntryEditor
                  url={url}
                  today={data.today}
                  editableFrom={data.editableFrom}
                  date={date ?? data.today}
                  onDate={setDate}
                  onChanged={() => setGeneration((n) => n + 1)}
                />
              ) : (
                <p class="muted">{t("web.reflections.closed")}</p>
              )}
            </div>
          )}
        </Loaded>
      </div>
      <SeriesSharing summary={summary} />
      <ReflectionHistory
        caseId={summary.caseId}
        generation={generation}
        title={t("web.reflections.historyTitle")}
        emptyText={t("web.reflections.historyEmpty")}
        onCalendar={(today, editableFrom) =>
          calendar?.today === today && calendar.editableFrom === editableFrom
            ? undefined
            : setCalendar({ today, editableFrom })
        }
        onEdit={
          open
            ? (day) => {
                setDate(day);
                const heading = editorRef.current?.querySelector<HTMLElement>("h2");
                heading?.scrollIntoView({ block: "start" });
                heading?.focus({ preventScroll: true });
              }
            : undefined
        }
      />
    </div>
  );
}

/** "See what X sees": the employee's reflections of the last 30 days exactly as ``name`` gets
 * them (GET …/seen-by/{userId} lists them beside the items). */
export function SeenReflections({ url, name }: { url: string; name: string }) {
  const seen = useResource(
    async () => (await api.get<{ reflections?: Reflection[] }>(url)).data.reflections ?? [],
    [url],
  );
  return (
    <section class="stack" data-testid="seen-reflections">
      <h2>{t("web.reflections.seriesTitle")}</h2>
      <Loaded data={seen.data} error={seen.error}>
        {(entries) =>
          entries.length === 0 ? (
            <p class="muted">{t("web.reflections.seenNone", { name })}</p>
          ) : (
            <>
              <p>
                {t("web.reflections.seenSome", { name, count: formatNumber(entries.length) })}{" "}
                {entries.some((e) => PROMPTS.some((p) => e[p]))
                  ? t("web.reflections.seenWithText")
                  : t("web.reflections.seenScalesOnly")}
              </p>
              <ul class="item-list">
                {entries.map((entry) => (
                  <li key={entry.date} class="card">
                    <strong>{formatLongDay(entry.date)}</strong>
                    <p class="muted">
                      {SCALES.filter((s) => entry.scales[s] !== null && entry.scales[s] !== undefined)
                        .map((s) => `${scaleName(s)} ${entry.scales[s]}`)
                        .join(" · ")}
                    </p>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
