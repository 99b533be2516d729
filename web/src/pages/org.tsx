// Organisation administration (org admins): staff with their roles and the "access all cases"
// permission, open staff invitations (resend, revoke), inviting staff, and the audit log.
import { useEffect, useState } from "preact/hooks";
import { OrgEntraCard } from "../components/entra";
import { InviteForm } from "../components/invite-form";
import { roleName, statusName } from "../components/labels";
import { Checkbox, FormError, Link, Notice, PageTitle, PagedLoaded, useAction } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { fetchAll, usePagedList } from "../lib/paging";
import type * as Api from "../lib/api-types";

const STAFF_ROLES: Member["roles"] = ["org_admin", "case_manager"];

export type Member = Api.StaffMember;

type Invitation = Api.StaffInvitation;

/** What an invitation's state says about time: valid until (pending), accepted on, withdrawn on. */
function invitationWhen(i: Invitation): string {
  if (i.status === "accepted" && i.acceptedAt)
    return t("web.org.acceptedAt", { date: formatDateTime(i.acceptedAt) });
  if (i.status === "revoked" && i.revokedAt)
    return t("web.org.revokedAt", { date: formatDateTime(i.revokedAt) });
  if (i.status === "pending" && new Date(i.expiresAt).getTime() < Date.now()) {
    return t("web.org.expiredAt", { date: formatDateTime(i.expiresAt) });
  }
  return i.status === "pending" ? t("web.org.expiresAt", { date: formatDateTime(i.expiresAt) }) : "";
}

/** Every staff member of the organisation (all pages), for pickers and names. */
export function staffMembers(orgId: string): Promise<Member[]> {
  return fetchAll<Member>(`/api/orgs/${orgId}/staff`, "members");
}

function MemberRow({ orgId, member, onSaved }: { orgId: string; member: Member; onSaved: () => void }) {
  const [roles, setRoles] = useState(member.roles);
  const [all, setAll] = useState(member.accessAllCases);
  const { busy, error, run } = useAction();
  useEffect(() => {
    setRoles(member.roles);
    setAll(member.accessAllCases);
  }, [member.etag]);
  const changed =
    all !== member.accessAllCases || [...roles].sort().join() !== [...member.roles].sort().join();
  const save = () =>
    void run(async () => {
      try {
        await api.patch(
          `/api/orgs/${orgId}/staff/${member.userId}`,
          { roles, accessAllCases: all },
          { ifMatch: member.etag },
        );
      } finally {
        onSaved();
      }
    });
  return (
    <li class="card" data-testid="staff-member">
      <h3 class="item-title">{member.name}</h3>
      <p class="muted">{member.email}</p>
      <FormError error={error} fields={["roles"]} />
      <fieldset>
        <legend>{t("web.org.rolesOf", { name: member.name })}</legend>
        {STAFF_ROLES.map((role) => (
          <Checkbox
            key={role}
            name="roles"
            label={roleName(role)}
            checked={roles.includes(role)}
            onChecked={(on) => setRoles(on ? [...roles, role] : roles.filter((r) => r !== role))}
            error={role === STAFF_ROLES[0] ? error : null}
          />
        ))}
        <Checkbox
          name="accessAllCases"
          label={t("web.org.accessAllCases")}
          checked={all}
          onChecked={setAll}
        />
      </fieldset>
      <div class="actions">
        <button type="button" class="button" disabled={busy || !changed} onClick={save}>
          {t("web.common.save")}
        </button>
      </div>
    </li>
  );
}

export function OrgPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const members = usePagedList<Member>(`/api/orgs/${orgId}/staff`, "members");
  const invitations = usePagedList<Invitation>(`/api/orgs/${orgId}/invitations`, "invitations");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const invitationAction = (path: string, method: "post" | "delete", message: string) =>
    void run(async () => {
      setDone(null);
      await (method === "post" ? api.post(path) : api.delete(path));
      setDone(message);
      invitations.reload();
    });
  return (
    <section class="stack">
      <PageTitle>{t("web.org.title")}</PageTitle>
      <ul class="links">
        <li>
          <Link href={`/orgs/${orgId}/cases`}>{t("web.orgCases.title")}</Link>
        </li>
        <li>
          <Link href={`/orgs/${orgId}/audit`}>{t("web.audit.title")}</Link>
        </li>
        <li>
          <Link href={`/orgs/${orgId}/temporary-access`}>{t("web.tempAccess.title")}</Link>
        </li>
        <li>
          <Link href={`/orgs/${orgId}/support`}>{t("web.support.admin.title")}</Link>
        </li>
      </ul>
      {/* The static form above the lists that load: they must not push it down (issue 24.8). */}
      <InviteForm
        endpoint={`/api/orgs/${orgId}/invitations`}
        roles={STAFF_ROLES}
        title={t("web.org.inviteTitle")}
        roleLabel={t("web.org.role")}
        testId="staff-invite-form"
        level={2}
        onInvited={invitations.reload}
      />
      <section>
        <h2>{t("web.org.staffTitle")}</h2>
        <PagedLoaded list={members} label={t("web.org.staffTitle")}>
          {(list) => (
            <ul class="item-list" data-testid="staff">
              {list.map((m) => (
                <MemberRow key={m.userId} orgId={orgId} member={m} onSaved={members.reload} />
              ))}
            </ul>
          )}
        </PagedLoaded>
      </section>
      <section>
        <h2>{t("web.org.invitationsTitle")}</h2>
        <FormError error={error} />
        {done && <Notice kind="success">{done}</Notice>}
        <PagedLoaded list={invitations} label={t("web.org.invitationsTitle")}>
          {(list) =>
            list.length === 0 ? (
              <p>{t("web.org.noInvitations")}</p>
            ) : (
              <ul class="item-list" data-testid="invitations">
                {list.map((i) => (
                  <li key={i.invitationId} class="card">
                    <p>
                      <strong>{i.email}</strong> · {roleName(i.role)} ·{" "}
                      <span class={`tag tag-${i.status}`}>{statusName(i.status)}</span>
                    </p>
                    <p class="meta">
                      <span>{t("web.org.invitedAt", { date: formatDateTime(i.createdAt) })}</span>
                      {invitationWhen(i) && <span>{invitationWhen(i)}</span>}
                    </p>
                    {i.status === "pending" && (
                      <div class="actions">
                        <button
                          type="button"
                          class="button-quiet"
                          disabled={busy}
                          onClick={() =>
                            invitationAction(
                              `/api/orgs/${orgId}/invitations/${i.invitationId}/resend`,
                              "post",
                              t("web.org.resent", { email: i.email }),
                            )
                          }
                        >
                          {t("web.org.resend")}
                          <span class="visually-hidden"> {i.email}</span>
                        </button>
                        <button
                          type="button"
                          class="button-quiet danger"
                          disabled={busy}
                          onClick={() =>
                            invitationAction(
                              `/api/orgs/${orgId}/invitations/${i.invitationId}`,
                              "delete",
                              t("web.org.revoked", { email: i.email }),
                            )
                          }
                        >
                          {t("web.org.revoke")}
                          <span class="visually-hidden"> {i.email}</span>
                        </button>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </PagedLoaded>
      </section>
      <OrgEntraCard orgId={orgId} />
    </section>
  );
}
