// Microsoft Entra ID links (issue 21): one's own link on the profile (staff of an organisation
// that is linked to its tenant; only after a CaseDesk sign-in, never by e-mail address), and the
// organisation's tenant link on the organisation page (org admins: one sign-in from the tenant).
import { useEffect, useState } from "preact/hooks";
import { Field, FormError, Loaded, Notice, Select, useAction, useResource } from "./ui";
import { api } from "../lib/api";
import { entraEnabled, entraProblem, startEntra } from "../lib/entra";
import { formatDateTime, t } from "../lib/i18n";
import { location } from "../lib/router";
import { orgs } from "../lib/session";
import { useStore } from "../lib/store";
import type * as Api from "../lib/api-types";

type OwnLink = Api.OwnLink;

type OrgTenant = Api.OrgTenant;

function useOffered(): boolean {
  const [offered, setOffered] = useState(false);
  useEffect(() => void entraEnabled().then(setOffered), []);
  return offered;
}

/** What a flow that came back to this page says: done (``?entra=``) or refused (``?entraError=``). */
function useReturned(done: string) {
  const where = useStore(location);
  return { done: where.query.get("entra") === done, refused: entraProblem(where.query.get("entraError")) };
}

export function EntraLinkCard() {
  const offered = useOffered();
  const memberships = useStore(orgs);
  const returned = useReturned("linked");
  const link = useResource(() => api.get<OwnLink>("/api/me/entra").then((r) => r.data), []);
  const [orgId, setOrgId] = useState("");
  const { busy, error, run } = useAction();
  if (!offered || memberships.length === 0) return null;
  const chosen = orgId || memberships[0].orgId;
  return (
    <section class="card" data-testid="entra-link-card">
      <h2>{t("web.entra.linkTitle")}</h2>
      {returned.done && <Notice kind="success">{t("web.entra.linked")}</Notice>}
      <FormError error={error ?? returned.refused} />
      <Loaded data={link.data} error={link.error}>
        {(own) =>
          own.linked ? (
            <>
              <p>{t("web.entra.linkedSince", { when: formatDateTime(own.linkedAt ?? "") })}</p>
              <button
                type="button"
                class="button-quiet danger"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    await api.delete("/api/me/entra");
                    link.reload();
                  })
                }
              >
                {t("web.entra.unlink")}
              </button>
            </>
          ) : (
            <>
              <p>{t("web.entra.linkIntro")}</p>
              {memberships.length > 1 && (
                <Select
                  label={t("web.entra.organisation")}
                  name="orgId"
                  value={chosen}
                  onValue={setOrgId}
                  options={memberships.map((m): [string, string] => [m.orgId, m.name])}
                />
              )}
              <button
                type="button"
                class="button"
                disabled={busy}
                onClick={() =>
                  void run(() => startEntra("/api/me/entra/link", { orgId: chosen, returnTo: "/profile" }))
                }
              >
                {t("web.entra.link")}
              </button>
            </>
          )
        }
      </Loaded>
    </section>
  );
}

export function OrgEntraCard({ orgId }: { orgId: string }) {
  const offered = useOffered();
  const returned = useReturned("org_linked");
  const tenant = useResource(() => api.get<OrgTenant>(`/api/orgs/${orgId}/entra`), [orgId]);
  const [tenantId, setTenantId] = useState("");
  const { busy, error, setError, run } = useAction();
  if (!offered) return null;
  return (
    <section class="card" data-testid="org-entra-card">
      <h2>{t("web.entra.orgTitle")}</h2>
      {returned.done && <Notice kind="success">{t("web.entra.orgLinked")}</Notice>}
      <FormError error={error ?? returned.refused} fields={["tenantId"]} />
      <Loaded data={tenant.data} error={tenant.error}>
        {({ data, etag }) =>
          data.tenantId ? (
            <>
              <p>
                {t("web.entra.orgLinkedTo", {
                  tenant: data.tenantId,
                  when: formatDateTime(data.linkedAt ?? ""),
                })}
              </p>
              <button
                type="button"
                class="button-quiet danger"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    await api.delete(`/api/orgs/${orgId}/entra`, { ifMatch: etag });
                    tenant.reload();
                  })
                }
              >
                {t("web.entra.orgUnlink")}
              </button>
            </>
          ) : (
            <form
              noValidate
              onSubmit={(event) => {
                event.preventDefault();
                if (!tenantId.trim()) return setError(entraProblem("entra_wrong_tenant"));
                void run(() =>
                  startEntra(`/api/orgs/${orgId}/entra/link`, {
                    tenantId: tenantId.trim(),
                    returnTo: `/orgs/${orgId}`,
                  }),
                );
              }}
            >
              <p>{t("web.entra.orgIntro")}</p>
              <Field
                label={t("web.entra.tenantId")}
                name="tenantId"
                value={tenantId}
                onValue={setTenantId}
                error={error}
              />
              <button type="submit" class="button" disabled={busy}>
                {t("web.entra.orgLink")}
              </button>
            </form>
          )
        }
      </Loaded>
    </section>
  );
}
