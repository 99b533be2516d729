// The same catalogs as the API (shared/i18n), so a key means the same thing everywhere.
import de from "../../shared/i18n/de.json";
import en from "../../shared/i18n/en.json";

type Catalog = Record<string, unknown>;
const catalogs: Record<string, Catalog> = { en, de };

export type Language = "en" | "de";

export function pickLanguage(): Language {
  const stored = localStorage.getItem("casedesk.language");
  if (stored === "en" || stored === "de") return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "de" || primary === "en") return primary;
  }
  return "en";
}

export function t(key: string, language: Language): string {
  const find = (catalog: Catalog): string | undefined => {
    let node: unknown = catalog;
    for (const part of key.split(".")) {
      if (typeof node !== "object" || node === null) return undefined;
      node = (node as Record<string, unknown>)[part];
    }
    return typeof node === "string" ? node : undefined;
  };
  return find(catalogs[language]) ?? find(catalogs.en) ?? key;
}
