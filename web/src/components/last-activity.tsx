// "Last activity: 2 days ago" on a case card (issue 24): the last change in the case the viewer
// may know of — never a read (docs/decisions/039-case-last-activity.md). Relative in words, in the
// user's language (Intl.RelativeTimeFormat); the exact time on hover and in the <time> element.
import { formatDateTime, formatRelative, t } from "../lib/i18n";

export function LastActivity({ at }: { at: string | null | undefined }) {
  if (!at) return null;
  return (
    <span class="last-activity" data-testid="last-activity">
      {t("web.cases.lastActivity")}{" "}
      <time dateTime={at} title={formatDateTime(at)}>
        {formatRelative(at)}
      </time>
    </span>
  );
}
