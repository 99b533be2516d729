import { t } from "./i18n";

/** An audit action in words ("Document downloaded"), or its code when it has no label yet. */
export function actionLabel(code: string): string {
  const key = `web.audit.actions.${code}`;
  const label = t(key);
  return label === key ? code : label;
}
