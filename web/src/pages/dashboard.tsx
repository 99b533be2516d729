// The dashboard of a case, for every participant: the reflection scales over time (daily values,
// weekly or monthly means) with the trend of each in words, and the integration plan's workload
// over time. Every chart has its data as a table, and the numbers are what the API computed from
// what this viewer may see now. Chart.js is loaded here only, as its own chunk.
import type { Chart } from "chart.js";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { Loaded, Select, useResource } from "../components/ui";
import { CreateReport, REPORT_ROLES } from "../components/report-form";
import { api } from "../lib/api";
import { addDays, daysBetween, formatMonth, formatShortDay } from "../lib/dates";
import { formatDate, formatNumber, formatPercent, language, locale, t } from "../lib/i18n";
import { useStore } from "../lib/store";
import {
  FEEDBACK_SCALES,
  SCALES,
  type Dashboard,
  type FeedbackScaleName,
  type PlanSpan,
  type ScaleName,
  type ScaleSeries,
} from "../lib/types";
import type { LineSeries, LineSpec } from "../lib/charts";
import { stepPoints } from "../lib/steps";
import type { CaseContext } from "./case";
import { CorrectedTag, EvaluationBody, FeedbackBody, feedbackScaleName } from "./evaluations";
import { ReflectionHistory, scaleName } from "./reflections";

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), and a point
 * style and dash per scale, so no line depends on its colour alone. */
const LOOK: Record<ScaleName, Pick<LineSeries, "color" | "pointStyle" | "dash">> = {
  wellbeing: { color: "#0072B2", pointStyle: "circle", dash: [] },
  energy: { color: "#E69F00", pointStyle: "triangle", dash: [8, 4] },
  pain: { color: "#D55E00", pointStyle: "rect", dash: [2, 3] },
  stress: { color: "#CC79A7", pointStyle: "rectRot", dash: [10, 3, 2, 3] },
  sleep: { color: "#009E73", pointStyle: "rectRounded", dash: [14, 5] },
  workload: { color: "#000000", pointStyle: "crossRot", dash: [4, 4] },
};
const PLAN_COLOUR = "#0b5c6b";
const CAPACITY_COLOUR = "#D55E00";
const FEEDBACK_LOOK: Record<FeedbackScaleName, Pick<LineSeries, "color" | "pointStyle" | "dash">> = {
  attendance: { color: "#0072B2", pointStyle: "circle", dash: [] },
  workloadFit: { color: "#E69F00", pointStyle: "triangle", dash: [8, 4] },
  collaboration: { color: "#009E73", pointStyle: "rect", dash: [2, 3] },
};

const PERIODS = ["30", "90", "365", "1095"] as const;
type Period = (typeof PERIODS)[number];
type View = "daily" | "weekly" | "monthly";
const VIEWS: View[] = ["daily", "weekly", "monthly"];

/** A chart on a canvas, drawn once Chart.js has loaded; the canvas names what it shows and
 * points to the table with the same numbers. */
function LineChart({ spec, label, testId }: { spec: LineSpec; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let chart: Chart<"line"> | null = null;
    let live = true;
    import("../lib/charts").then(
      ({ drawLines }) => {
        if (!live || !ref.current) return;
        chart = drawLines(ref.current, spec);
        ref.current.dataset.drawn = "true";
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [spec]);
  if (failed) return <p class="form-hint-error">{t("web.dashboard.chartFailed")}</p>;
  return (
    <div class="chart">
      <canvas ref={ref} role="img" aria-label={label} data-testid={testId}>
        {label}
      </canvas>
    </div>
  );
}

/** "Show as table" for a chart: the same numbers, in a table with a caption. */
function TableToggle({ children, testId }: { children: ComponentChildren; testId: string }) {
  const [shown, setShown] = useState(false);
  const id = useId();
  return (
    <div>
      <button
        type="button"
        class="button-quiet"
        aria-expanded={shown}
        aria-controls={id}
        onClick={() => setShown(!shown)}
        data-testid={`${testId}-toggle`}
      >
        {shown ? t("web.dashboard.hideTable") : t("web.dashboard.showTable")}
      </button>
      <div id={id} hidden={!shown}>
        {shown && (
          <div
            class="table-scroll"
            role="region"
            aria-label={t("web.dashboard.tableRegion")}
            tabIndex={0}
            data-testid={testId}
          >
            {children}
          </div>
        )}
      </div>
    </div>
  );
}

const weekNumber = (week: string) => Number(week.split("-W")[1] ?? week);
const entries = (count: number) =>
  count === 1 ? t("web.dashboard.entryOne") : t("web.dashboard.entries", { count: formatNumber(count) });
const mean = (value: number) => formatNumber(value, { maximumFractionDigits: 1 });

interface Row {
  key: string;
  x: number;
  label: string;
  values: Partial<Record<ScaleName, { value: number; count?: number }>>;
}

/** The rows of the chosen view: one per day, week or month, each with the value of each scale. */
function rowsOf(data: Dashboard, view: View): Row[] {
  const rows = new Map<string, Row>();
  const x = (date: string) =>
    Math.min(Math.max(daysBetween(data.from, date), 0), daysBetween(data.from, data.to));
  const row = (key: string, at: string, label: string) => {
    let found = rows.get(key);
    if (!found) rows.set(key, (found = { key, x: x(at), label, values: {} }));
    return found;
  };
  for (const series of data.scales) {
    if (view === "daily") {
      series.dates.forEach((date, i) => {
        row(date, date, formatDate(date)).values[series.scale] = { value: series.values[i] };
      });
    } else if (view === "weekly") {
      for (const w of series.weekly) {
        row(
          w.week,
          addDays(w.start, 3),
          t("web.dashboard.weekOf", { week: weekNumber(w.week), date: formatDate(w.start) }),
        ).values[series.scale] = { value: w.mean, count: w.count };
      }
    } else {
      for (const m of series.monthly)
        row(m.month, `${m.month}-15`, formatMonth(m.month)).values[series.scale] = {
          value: m.mean,
          count: m.count,
        };
    }
  }
  return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The first day the charts show: the period's start, or — when the data begins later — a day
 * before the first value or plan stage, so a short series is not squeezed into a corner; always
 * at least two weeks. A day number from the period's start (the charts' x axis). */
function firstShown(data: Dashboard): number {
  const last = daysBetween(data.from, data.to);
  const starts = [
    ...data.scales.flatMap((s) => s.dates.slice(0, 1)),
    ...data.plan.map((span) => span.from),
  ].map((day) => daysBetween(data.from, day));
  if (starts.length === 0) return 0;
  return Math.max(0, Math.min(Math.min(...starts) - 1, last - 13));
}

function trendWords(series: Pick<ScaleSeries, "trend" | "polarity">): { status: string; detail: string } {
  const { status, slopePer30Days, points } = series.trend;
  const polarity = t(`web.dashboard.polarity.${series.polarity}`);
  if (status === "not_enough_data") {
    return {
      status: t("web.dashboard.trend.not_enough_data"),
      detail: t("web.dashboard.notEnough", { entries: entries(points), minimum: 5, days: 14, polarity }),
    };
  }
  const slope = formatNumber(slopePer30Days ?? 0, { maximumFractionDigits: 1, signDisplay: "exceptZero" });
  return {
    status: t(`web.dashboard.trend.${status}`),
    detail: t("web.dashboard.trendDetail", { slope, entries: entries(points), polarity }),
  };
}

function ScalesSection({
  data,
  view,
  employeeName,
  mine,
}: {
  data: Dashboard;
  view: View;
  employeeName: string;
  mine: boolean;
}) {
  const lang = useStore(language);
  const rows = useMemo(() => rowsOf(data, view), [data, view, lang]);
  const spec = useMemo<LineSpec>(() => {
    const xMax = daysBetween(data.from, data.to);
    return {
      series: SCALES.map((scale) => ({
        label: scaleName(scale),
        ...LOOK[scale],
        points: rows.filter((r) => r.values[scale]).map((r) => ({ x: r.x, y: r.values[scale]?.value ?? 0 })),
      })),
      xMin: firstShown(data),
      xMax,
      yMin: 0,
      yMax: 10,
      locale: locale(),
      xLabel: (x) => formatShortDay(addDays(data.from, Math.round(x))),
      yLabel: (y) => mean(y),
      yTitle: t("web.dashboard.scaleAxis"),
    };
  }, [data, rows, lang]);
  const period = t("web.dashboard.periodIs", { from: formatDate(data.from), to: formatDate(data.to) });
  if (rows.length === 0) {
    return (
      <p class="muted" data-testid="dashboard-empty">
        {mine ? t("web.dashboard.emptyMine") : t("web.dashboard.emptyShared", { name: employeeName })}
      </p>
    );
  }
  const caption = t(`web.dashboard.caption.${view}`, { period });
  return (
    <>
      <LineChart spec={spec} label={t("web.dashboard.chartLabel", { caption })} testId="scales-chart" />
      <TableToggle testId="scales-table">
        <table class="data-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t(`web.dashboard.rowHead.${view}`)}</th>
              {SCALES.map((s) => (
                <th key={s} scope="col">
                  {scaleName(s)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                {SCALES.map((s) => {
                  const cell = r.values[s];
                  return (
                    <td key={s}>
                      {cell
                        ? view === "daily"
                          ? String(cell.value)
                          : `${mean(cell.value)} (${entries(cell.count ?? 0)})`
                        : "–"}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}

function PlanSection({ data }: { data: Dashboard }) {
  const lang = useStore(language);
  const spans = data.plan;
  const spec = useMemo<LineSpec>(() => {
    // The axis is the period, extended to show stages planned beyond it.
    const lastStart = spans.reduce((latest, s) => (s.from > latest ? s.from : latest), data.to);
    const end = lastStart > data.to ? addDays(lastStart, 14) : data.to;
    const xMax = daysBetween(data.from, end);
    // Each stage's workload holds from its first day to the next stage's (stepPoints draws the
    // corners itself: the chart's own step mode put every change at the previous stage's start).
    const points = stepPoints(
      data.from,
      spans.map((s) => ({ from: s.from, to: s.to, value: s.workloadPercent })),
      firstShown(data),
      xMax,
    );
    return {
      series: [
        { label: t("web.dashboard.workload"), color: PLAN_COLOUR, pointStyle: "circle", dash: [], points },
      ],
      xMin: firstShown(data),
      xMax,
      yMin: 0,
      yMax: 100,
      stepped: true,
      locale: locale(),
      xLabel: (x) => formatShortDay(addDays(data.from, Math.round(x))),
      yLabel: (y) => formatPercent(y),
      yTitle: t("web.dashboard.workload"),
    };
  }, [data, lang]);
  if (spans.length === 0) return <p class="muted">{t("web.plan.empty")}</p>;
  const caption = t("web.dashboard.planCaption");
  return (
    <>
      <LineChart spec={spec} label={t("web.dashboard.chartLabel", { caption })} testId="plan-chart" />
      <TableToggle testId="plan-table">
        <table class="data-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t("web.dashboard.planFrom")}</th>
              <th scope="col">{t("web.dashboard.planTo")}</th>
              <th scope="col">{t("web.dashboard.workload")}</th>
            </tr>
          </thead>
          <tbody>
            {/* ``to`` is the next stage's first day: the table says the last day of this one. */}
            {spans.map((s: PlanSpan) => (
              <tr key={s.from}>
                <th scope="row">{formatDate(s.from)}</th>
                <td>{s.to ? formatDate(addDays(s.to, -1)) : t("web.dashboard.planOpen")}</td>
                <td>{formatPercent(s.workloadPercent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}

/** Work capacity (the evaluations this viewer may see) against the plan's workload, both steps. */
function CapacitySection({ data }: { data: Dashboard }) {
  const lang = useStore(language);
  const spec = useMemo<LineSpec>(() => {
    // The axis is the period, extended (up to a year) to show evaluations valid beyond it and
    // stages planned after it: an evaluation from today is a line ahead, not a dot at the edge.
    const ahead = [
      ...data.capacity.map((c) => (c.to ? addDays(c.to, -1) : addDays(c.from, 14))),
      ...data.plan.map((p) => addDays(p.from, 14)),
    ].reduce((latest, day) => (day > latest ? day : latest), data.to);
    const end = ahead > data.to ? (ahead > addDays(data.to, 366) ? addDays(data.to, 366) : ahead) : data.to;
    const xMax = daysBetween(data.from, end);
    return {
      series: [
        {
          label: t("web.dashboard.capacity"),
          color: CAPACITY_COLOUR,
          pointStyle: "rectRot",
          dash: [],
          points: stepPoints(
            data.from,
            data.capacity.map((c) => ({ from: c.from, to: c.to, value: c.capacityPercent })),
            firstShown(data),
            xMax,
          ),
        },
        {
          label: t("web.dashboard.workload"),
          color: PLAN_COLOUR,
          pointStyle: "circle",
          dash: [6, 4],
          points: stepPoints(
            data.from,
            data.plan.map((p) => ({ from: p.from, to: p.to, value: p.workloadPercent })),
            firstShown(data),
            xMax,
          ),
        },
      ],
      xMin: firstShown(data),
      xMax,
      yMin: 0,
      yMax: 100,
      stepped: true,
      locale: locale(),
      xLabel: (x) => formatShortDay(addDays(data.from, Math.round(x))),
      yLabel: (y) => formatPercent(y),
      yTitle: t("web.dashboard.percentAxis"),
    };
  }, [data, lang]);
  if (data.capacity.length === 0) {
    return (
      <p class="muted" data-testid="capacity-empty">
        {t("web.dashboard.capacityEmpty")}
      </p>
    );
  }
  const caption = t("web.dashboard.capacityCaption");
  return (
    <>
      <LineChart spec={spec} label={t("web.dashboard.chartLabel", { caption })} testId="capacity-chart" />
      <TableToggle testId="capacity-table">
        <table class="data-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t("web.dashboard.planFrom")}</th>
              <th scope="col">{t("web.dashboard.planTo")}</th>
              <th scope="col">{t("web.dashboard.capacity")}</th>
            </tr>
          </thead>
          <tbody>
            {data.capacity.map((c) => (
              <tr key={`${c.evaluationId}-${c.from}`}>
                <th scope="row">{formatDate(c.from)}</th>
                <td>{c.to ? formatDate(addDays(c.to, -1)) : t("web.dashboard.planOpen")}</td>
                <td>
                  {formatPercent(c.capacityPercent)} {c.corrected && `(${t("web.evaluations.correctedTag")})`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
      <ul class="item-list" data-testid="dashboard-evaluations">
        {data.evaluations.map((e) => (
          <li
            key={e.id}
            class="card"
            data-testid="dashboard-evaluation"
            data-corrected={e.corrected ? "yes" : "no"}
          >
            <div class="item-head">
              <h4 class="item-title">
                {t("web.evaluations.evaluationTitle", { date: formatDate(e.validFrom) })}
              </h4>
              <CorrectedTag record={e} />
            </div>
            <EvaluationBody e={e} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** The employer's feedback on the work trial this viewer may see: scales over time, trends, entries. */
function FeedbackSection({ data }: { data: Dashboard }) {
  const lang = useStore(language);
  const spec = useMemo<LineSpec>(
    () => ({
      series: data.feedbackScales.map((series) => ({
        label: feedbackScaleName(series.scale),
        ...FEEDBACK_LOOK[series.scale],
        points: series.dates.map((date, i) => ({ x: daysBetween(data.from, date), y: series.values[i] })),
      })),
      xMin: firstShown(data),
      xMax: daysBetween(data.from, data.to),
      yMin: 0,
      yMax: 10,
      locale: locale(),
      xLabel: (x) => formatShortDay(addDays(data.from, Math.round(x))),
      yLabel: (y) => mean(y),
      yTitle: t("web.dashboard.scaleAxis"),
    }),
    [data, lang],
  );
  if (data.feedback.length === 0) {
    return (
      <p class="muted" data-testid="feedback-empty">
        {t("web.dashboard.feedbackEmpty")}
      </p>
    );
  }
  const caption = t("web.dashboard.feedbackCaption");
  const days = [...new Set(data.feedbackScales.flatMap((s) => s.dates))].sort();
  return (
    <>
      {days.length > 0 && (
        <LineChart spec={spec} label={t("web.dashboard.chartLabel", { caption })} testId="feedback-chart" />
      )}
      {days.length > 0 && (
        <TableToggle testId="feedback-table">
          <table class="data-table">
            <caption>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t("web.dashboard.rowHead.daily")}</th>
                {FEEDBACK_SCALES.map((s) => (
                  <th key={s} scope="col">
                    {feedbackScaleName(s)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((day) => (
                <tr key={day}>
                  <th scope="row">{formatDate(day)}</th>
                  {data.feedbackScales.map((s) => (
                    <td key={s.scale}>{String(s.values[s.dates.indexOf(day)] ?? "–")}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableToggle>
      )}
      <ul class="trends" data-testid="feedback-trends">
        {data.feedbackScales.map((series) => {
          const words = trendWords(series);
          return (
            <li key={series.scale} data-scale={series.scale} data-trend={series.trend.status}>
              <strong>{feedbackScaleName(series.scale)}:</strong>{" "}
              <span class={`trend trend-${series.trend.status}`}>{words.status}</span>{" "}
              <span class="muted">{words.detail}</span>
            </li>
          );
        })}
      </ul>
      <ul class="item-list" data-testid="dashboard-feedback">
        {data.feedback.map((f) => (
          <li key={f.id} class="card" data-corrected={f.corrected ? "yes" : "no"}>
            <div class="item-head">
              <h4 class="item-title">{t("web.evaluations.feedbackTitle", { date: formatDate(f.date) })}</h4>
              <CorrectedTag record={f} />
            </div>
            <FeedbackBody f={f} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function DashboardTab({ summary, myRole }: CaseContext) {
  useStore(language);
  const caseId = summary.caseId;
  const [period, setPeriod] = useState<Period>("90");
  const [view, setView] = useState<View>("daily");
  const [today, setToday] = useState<string | null>(null);
  const dashboard = useResource(async () => {
    const query = today ? `?from=${addDays(today, -(Number(period) - 1))}&to=${today}` : "";
    const { data } = await api.get<Dashboard>(`/api/cases/${caseId}/dashboard${query}`);
    if (!today) setToday(data.to);
    return data;
  }, [caseId, period]);
  const mine = myRole === "employee";
  const employee = summary.participants.find((p) => p.role === "employee");
  const employeeName = employee?.name ?? t("web.common.someone");
  return (
    <div class="stack" data-testid="dashboard">
      <h2>{t("web.dashboard.title")}</h2>
      <div class="grid-2">
        <Select
          label={t("web.dashboard.period")}
          name="period"
          value={period}
          onValue={(value) => setPeriod(value as Period)}
          options={PERIODS.map((days) => [days, t(`web.dashboard.periods.${days}`)])}
        />
      </div>
      {today && myRole && REPORT_ROLES.includes(myRole) && <CreateReport caseId={caseId} today={today} />}
      <Loaded data={dashboard.data} error={dashboard.error}>
        {(data) => (
          <>
            <p data-testid="dashboard-scope">
              {mine
                ? t("web.dashboard.scopeMine")
                : data.visibleFrom
                  ? t("web.dashboard.scopeFrom", { name: employeeName, date: formatDate(data.visibleFrom) })
                  : t("web.dashboard.scopeShared", { name: employeeName })}{" "}
              {!mine && (data.includesText ? t("web.dashboard.withText") : t("web.dashboard.scalesOnly"))}
            </p>
            <section class="stack" aria-labelledby="dashboard-scales">
              <h3 id="dashboard-scales">{t("web.dashboard.scalesTitle")}</h3>
              <div class="segmented" role="group" aria-label={t("web.dashboard.view")}>
                {VIEWS.map((v) => (
                  <button
                    key={v}
                    type="button"
                    class="button-quiet"
                    aria-pressed={view === v}
                    onClick={() => setView(v)}
                    data-testid={`view-${v}`}
                  >
                    {t(`web.dashboard.views.${v}`)}
                  </button>
                ))}
              </div>
              <ScalesSection data={data} view={view} employeeName={employeeName} mine={mine} />
              {/* Nothing to see at all: the line above says so; six "not enough data" add nothing. */}
              {data.scales.some((series) => series.dates.length > 0) && (
                <>
                  <h4>{t("web.dashboard.trendsTitle")}</h4>
                  <ul class="trends" data-testid="trends">
                    {data.scales.map((series) => {
                      const words = trendWords(series);
                      return (
                        <li key={series.scale} data-scale={series.scale} data-trend={series.trend.status}>
                          <strong>{scaleName(series.scale)}:</strong>{" "}
                          <span class={`trend trend-${series.trend.status}`}>{words.status}</span>{" "}
                          <span class="muted">{words.detail}</span>
                        </li>
                      );
                    })}
                  </ul>
                </>
              )}
            </section>
            <section class="stack" aria-labelledby="dashboard-plan">
              <h3 id="dashboard-plan">{t("web.dashboard.planTitle")}</h3>
              <PlanSection data={data} />
            </section>
            <section class="stack" aria-labelledby="dashboard-capacity" data-testid="dashboard-capacity">
              <h3 id="dashboard-capacity">{t("web.dashboard.capacityTitle")}</h3>
              <CapacitySection data={data} />
            </section>
            <section
              class="stack"
              aria-labelledby="dashboard-feedback"
              data-testid="dashboard-feedback-section"
            >
              <h3 id="dashboard-feedback">{t("web.dashboard.feedbackTitle")}</h3>
              <FeedbackSection data={data} />
            </section>
          </>
        )}
      </Loaded>
      {!mine && (
        <ReflectionHistory
          caseId={caseId}
          title={t("web.dashboard.sharedEntries")}
          emptyText={t("web.dashboard.emptyShared", { name: employeeName })}
        />
      )}
    </div>
  );
}
