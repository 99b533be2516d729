// Calendar days as ISO strings ("2026-11-30"): arithmetic in UTC, so a day is a day wherever the
// browser is, and the names of days, weeks and months in the user's Swiss locale.
import { locale } from "./i18n";

const DAY = 86_400_000;

function utc(value: string): number {
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(value: string, days: number): string {
  return iso(utc(value) + days * DAY);
}

/** Whole days from ``a`` to ``b`` (negative when ``b`` is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((utc(b) - utc(a)) / DAY);
}

/** "Monday, 30 November 2026" / "Montag, 30. November 2026". */
export function formatLongDay(value: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeZone: "UTC" }).format(
    new Date(utc(value)),
  );
}

/** "30 Nov" / "30. Nov." — short, for chart axes. */
export function formatShortDay(value: string): string {
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short", timeZone: "UTC" }).format(
    new Date(utc(value)),
  );
}

/** "2026-11" → "November 2026". */
export function formatMonth(month: string): string {
  return new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(utc(`${month}-01`)),
  );
}
