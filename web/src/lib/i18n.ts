// The same catalogs as the API (shared/i18n), so a key means the same thing everywhere. The app's
// own strings live under "web"; placeholders are written {name}, as in the API's catalogs. The
// browser gets only the "web" part (and the few error texts it shows itself: vite.config.ts), one
// chunk per language, loaded when that language is first shown (issue 29).
import { reloadForNewVersion } from "./router";
import { createStore } from "./store";

export type Language = "en" | "de";
export const LANGUAGES: readonly Language[] = ["en", "de"];

type Catalog = Record<string, unknown>;
const catalogs: Partial<Record<Language, Catalog>> = {};
const loaders: Record<Language, () => Promise<{ default: Catalog }>> = {
  en: () => import("virtual:catalog/en"),
  de: () => import("virtual:catalog/de"),
};
const loading = new Map<Language, Promise<void>>();
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

/** Fetch the catalog of ``lang`` once (main.tsx waits for the first one before the first render). */
export function loadCatalog(lang: Language): Promise<void> {
  if (catalogs[lang]) return Promise.resolve();
  let pending = loading.get(lang);
  if (!pending) {
    pending = loaders[lang]().then(
      (module) => {
        catalogs[lang] = module.default;
      },
      (error: unknown) => {
        loading.delete(lang); // offline for a moment: the next switch tries again
        throw error;
      },
    );
    loading.set(lang, pending);
  }
  return pending;
}

/** A language chosen in the header whose saving to the account has not gone through yet
 * (lib/session.ts, ``saveLanguage``); any other setting of the language supersedes it. */
export const UNSAVED_LANGUAGE_KEY = "casedesk.languageUnsaved";

/** The language asked for last: a slower catalog arriving after a later choice is not applied. */
let wanted: Language = language.get();

/** Show the app in ``next``: at once when its catalog is in, else as soon as it is (the page
 * stays in the current language meanwhile). */
export function setLanguage(next: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, next);
  localStorage.removeItem(UNSAVED_LANGUAGE_KEY);
  wanted = next;
  const apply = () => {
    if (wanted !== next) return;
    document.documentElement.lang = next;
    language.set(next);
  };
  if (catalogs[next]) {
    apply();
    return Promise.resolve();
  }
  // The choice is stored already: if the catalog cannot be fetched because a newer version was
  // deployed meanwhile, the page loaded afresh shows it. Offline, the page stays as it is.
  return loadCatalog(next).then(apply, () => void reloadForNewVersion());
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
  const text = lookup(catalogs[language.get()] ?? {}, key) ?? lookup(catalogs.en ?? {}, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The keys under ``prefix`` in the current catalog (e.g. the audit actions that have a label). */
export function catalogKeys(prefix: string): string[] {
  let node: unknown = catalogs[language.get()] ?? catalogs.en ?? {};
  for (const part of prefix.split(".").filter(Boolean)) {
    if (typeof node !== "object" || node === null) return [];
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "object" && node !== null ? Object.keys(node) : [];
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
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return words.format(Math.trunc(seconds / size), unit);
  }
  return words.format(0, "second");
}
