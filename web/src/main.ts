import "./style.css";
import { type Language, pickLanguage, t } from "./i18n";

// Placeholder until the frontend issue: shows the product name and the live health status,
// proving the build pipeline, same-origin API calls and the CSP work together.
const app = document.querySelector<HTMLElement>("#app")!;

function render(language: Language, status: "checking" | "ok" | "degraded" | "offline"): void {
  document.documentElement.lang = language;
  app.replaceChildren();
  const title = document.createElement("h1");
  title.textContent = "CaseDesk";
  const lead = document.createElement("p");
  lead.textContent = t("web.placeholder.lead", language);
  const health = document.createElement("p");
  health.className = `status status-${status}`;
  health.dataset.testid = "health-status";
  health.textContent = t(`web.placeholder.status.${status}`, language);
  const switcher = document.createElement("button");
  switcher.type = "button";
  switcher.textContent = t("web.placeholder.switchLanguage", language);
  switcher.addEventListener("click", () => {
    const next: Language = language === "en" ? "de" : "en";
    localStorage.setItem("casedesk.language", next);
    render(next, status);
  });
  app.append(title, lead, health, switcher);
}

async function main(): Promise<void> {
  const language = pickLanguage();
  render(language, "checking");
  try {
    const response = await fetch("/api/health", { headers: { Accept: "application/json" } });
    const body = (await response.json()) as { status?: string };
    render(language, body.status === "ok" ? "ok" : "degraded");
  } catch {
    render(language, "offline");
  }
}

void main();
