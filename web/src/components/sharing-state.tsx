// Whether one of my items is private or shared, with whom and until when — on the item's card,
// not only in the Share dialog (issue 24). The list answers `sharedWith` for one's own items.
import { formatDate, t } from "../lib/i18n";
import type { ShareState } from "../lib/types";

/** The local calendar day of an instant (a share ends at the end of the day chosen). */
function localDay(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function sharingWords(shares: ShareState[], names: Map<string, string>): string {
  if (shares.length === 0) return t("web.sharing.statePrivate");
  const people = shares.map((s) => {
    const name = names.get(s.userId) ?? t("web.common.someone");
    if (s.subject) return t("web.sharing.stateSubject", { name });
    return s.expiresAt
      ? t("web.sharing.statePersonUntil", { name, date: formatDate(localDay(s.expiresAt)) })
      : name;
  });
  return t("web.sharing.stateShared", { people: people.join(", ") });
}

export function SharingState({
  shares,
  names,
}: {
  shares: ShareState[] | null | undefined;
  names: Map<string, string>;
}) {
  if (!shares) return null;
  const shared = shares.length > 0;
  return (
    <p
      class={`sharing-state ${shared ? "is-shared" : "is-private"}`}
      data-testid="sharing-state"
      data-shared={shared ? "yes" : "no"}
    >
      {sharingWords(shares, names)}
    </p>
  );
}
