// Display names of the API's enumerations, from the catalogs.
import { t } from "../lib/i18n";

export const roleName = (role: string) => t(`web.roles.${role}`);
export const statusName = (status: string) => t(`web.status.${status}`);
export const categoryName = (category: string) => t(`web.documents.categories.${category}`);
export const languageOptions = (): [string, string][] => [
  ["en", t("web.languages.en")],
  ["de", t("web.languages.de")],
];
