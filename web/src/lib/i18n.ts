// The same catalogs as the API (shared/i18n), so a key means the same thing everywhere. The app's
// own strings live under "web"; placeholders are written {name}, as in the API's catalogs.
import de from "../../../shared/i18n/de.json";
import en from "../../../shared/i18n/en.json";
import { createStore } from "./store";

export type Language = "en" | "de";
export const LANGUAGES: readonly Language[] = ["en", "de"];

type Catalog = Record<string, unknown>;
const catalogs: Record<Language, Catalog> = { en, de };
const STORAGE_KEY = "casedesk.language";

export function isLanguage(value: unknown): value is Language {
  return value === "en" || value === "de";
}

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLanguage(primary)) return primary;
  }
  return "en";
}

export const language = createStore<Language>(initialLanguage());

/** A language chosen in the header whose saving to the account has not gone through yet
 * (lib/session.ts, ``saveLanguage``); any other setting of the language supersedes it. */
export const UNSAVED_LANGUAGE_KEY = "casedesk.languageUnsaved";

export function setLanguage(next: Language): void {
  localStorage.setItem(STORAGE_KEY, next);
  localStorage.removeItem(UNSAVED_LANGUAGE_KEY);
  document.documentElement.lang = next;
  language.set(next);
}

function lookup(catalog: Catalog, key: string): string | undefined {
  let node: unknown = catalog;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** The text of ``key`` in the current language (English, then the key itself, as fallbacks). */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = lookup(catalogs[language.get()], key) ?? lookup(catalogs.en, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** A BCP 47 locale for Intl: Swiss conventions, as the product is built for Switzerland. */
export function locale(): string {
  return language.get() === "de" ? "de-CH" : "en-CH";
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A calendar date ("2026-12-01") shown as that day wherever the browser is. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "–";
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  if (!y || !m || !d) return value;
  const date = new Date(Date.UTC(y, m - 1, d));
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(locale(), options).format(value);
}

export function formatPercent(value: number): string {
  return formatNumber(value / 100, { style: "percent", maximumFractionDigits: 0 });
}

export function formatBytes(bytes: number): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return formatNumber(value, {
    style: "unit",
    unit: units[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: unit === 0 ? 0 : 1,
  });
}

/** How long ago ``iso`` was, in words ("5 minutes ago", "vor 5 Minuten"; "now" under a minute). */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "–";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((then - now) / 1000);
  const words = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86_400], ["hour", 3_600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return words.format(Math.trunc(seconds / size), unit);
  }
  return words.format(0, "second");
}
