// The current terms and privacy policy, each in a scrollable, keyboard-focusable region, and
// the two acceptance boxes: shared by onboarding and the re-consent step.
import { useState } from "preact/hooks";
import type { ApiError } from "../lib/api";
import { api } from "../lib/api";
import { language, t } from "../lib/i18n";
import { useStore } from "../lib/store";
import { Markdown } from "./markdown";
import { Checkbox, Loaded, useResource } from "./ui";
import type * as Api from "../lib/api-types";

type LegalDocument = Api.LegalDocument;

export interface Acceptance {
  terms: string | null;
  privacy: string | null;
}

export function LegalConsent({
  onChange,
  error,
}: {
  onChange: (accepted: Acceptance) => void;
  error: ApiError | null;
}) {
  const lang = useStore(language);
  const [accepted, setAccepted] = useState<Acceptance>({ terms: null, privacy: null });
  const docs = useResource(
    () =>
      Promise.all(
        ["terms", "privacy"].map((kind) => api.get<LegalDocument>(`/api/legal/${kind}`, { anonymous: true })),
      ).then((r) => r.map((x) => x.data)),
    [lang],
  );
  const toggle = (doc: LegalDocument, checked: boolean) => {
    const next = { ...accepted, [doc.kind]: checked ? doc.version : null };
    setAccepted(next);
    onChange(next);
  };
  return (
    <Loaded data={docs.data} error={docs.error}>
      {(list) => (
        <>
          {list.map((doc) => (
            <section key={doc.kind} class="legal">
              <h2>{t(`web.legal.${doc.kind}`)}</h2>
              <div class="legal-text" tabIndex={0} role="region" aria-label={t(`web.legal.${doc.kind}`)}>
                <Markdown source={doc.markdown} headingLevel={3} />
              </div>
              <Checkbox
                name={doc.kind}
                label={t(`web.legal.accept.${doc.kind}`, { version: doc.version })}
                checked={accepted[doc.kind] !== null}
                onChecked={(checked) => toggle(doc, checked)}
                error={error}
              />
            </section>
          ))}
        </>
      )}
    </Loaded>
  );
}
