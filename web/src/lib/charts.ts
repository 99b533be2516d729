// Line charts on Chart.js, loaded only by the dashboard (a dynamic import: its own chunk). Only
// the parts used are registered, so the rest of Chart.js is left out of the bundle. Chart.js
// draws on a canvas and sizes it through the CSSOM, which the CSP `style-src 'self'` allows;
// no <style> element or style attribute is injected. No animation: the chart is there at once.
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type PointStyle,
} from "chart.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

export interface LineSeries {
  label: string;
  color: string;
  pointStyle: PointStyle;
  dash: number[];
  points: { x: number; y: number }[];
}

export interface LineSpec {
  series: LineSeries[];
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** Step lines (the plan: the workload holds until the next stage). */
  stepped?: boolean;
  locale: string;
  xLabel: (x: number) => string;
  yLabel: (y: number) => string;
  yTitle: string;
}

/** Day steps that read well on a time axis. */
const STEPS = [1, 2, 7, 14, 30, 61, 91, 182, 365];

/** Ticks on whole days, as many as fit the axis's width (about one per 90 px): a phone gets
 * four or so, a desktop eight or more, never overlapping labels. */
function dayTicks(min: number, max: number, width: number): { value: number }[] {
  const wanted = Math.max(2, Math.floor(width / 90));
  const step = STEPS.find((s) => (max - min) / s <= wanted) ?? 365;
  const ticks: { value: number }[] = [];
  for (let day = Math.ceil(min / step) * step; day <= max; day += step) ticks.push({ value: day });
  return ticks;
}

export function drawLines(canvas: HTMLCanvasElement, spec: LineSpec): Chart<"line"> {
  const config: ChartConfiguration<"line", { x: number; y: number }[]> = {
    type: "line",
    data: {
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.points,
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dash,
        borderWidth: 2,
        pointStyle: s.pointStyle,
        pointRadius: spec.stepped ? 0 : 4,
        pointHoverRadius: 6,
        stepped: spec.stepped ? "after" : false,
        clip: 8, // the points on the first and last day are drawn whole
        spanGaps: false,
      })),
    },
    options: {
      animation: false,
      layout: { padding: { right: 8 } },
      responsive: true,
      maintainAspectRatio: false,
      locale: spec.locale,
      parsing: false,
      normalized: true,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: spec.xMin,
          max: spec.xMax,
          ticks: { callback: (value) => spec.xLabel(Number(value)), maxRotation: 0, autoSkip: true },
          afterBuildTicks: (scale) => {
            scale.ticks = dayTicks(spec.xMin, spec.xMax, scale.width || 300);
          },
        },
        y: {
          type: "linear",
          min: spec.yMin,
          max: spec.yMax,
          title: { display: true, text: spec.yTitle },
          ticks: { callback: (value) => spec.yLabel(Number(value)) },
        },
      },
      plugins: {
        legend: {
          display: spec.series.length > 1,
          position: "bottom",
          labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8 },
        },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? spec.xLabel(items[0].parsed.x ?? 0) : ""),
            label: (item) => `${item.dataset.label ?? ""}: ${spec.yLabel(item.parsed.y ?? 0)}`,
          },
        },
      },
    },
  };
  return new Chart(canvas, config);
}
