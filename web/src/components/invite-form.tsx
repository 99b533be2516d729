// Inviting a person by name, e-mail, role and language: participants into a case and staff into
// an organisation use the same form; only the endpoint, the roles and the heading differ.
import { useState } from "preact/hooks";
import { roleName } from "./labels";
import { type Person, PersonFields } from "./person-fields";
import { FormError, Notice, Select, requiredError, useAction } from "./ui";
import { api } from "../lib/api";
import { language, t } from "../lib/i18n";

export interface InviteFormProps {
  endpoint: string;
  roles: string[];
  title: string;
  roleLabel: string;
  testId: string;
  /** h2 on a page of its own, h3 inside a case section */
  level: 2 | 3;
  onInvited: () => void;
}

export function InviteForm({ endpoint, roles, title, roleLabel, testId, level, onInvited }: InviteFormProps) {
  const [person, setPerson] = useState<Person>({ name: "", email: "", language: language.get() });
  const [role, setRole] = useState(roles[0]);
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const name = person.name.trim();
    const email = person.email.trim();
    if (!name) return setError(requiredError("name"));
    if (!email) return setError(requiredError("email"));
    void run(async () => {
      await api.post(endpoint, { name, email, role, language: person.language });
      setSent(email);
      setPerson({ ...person, name: "", email: "" });
      onInvited();
    });
  };
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <form onSubmit={submit} noValidate class="card" data-testid={testId}>
      <Heading>{title}</Heading>
      {sent && <Notice kind="success">{t("web.participants.invited", { email: sent })}</Notice>}
      <FormError error={error} fields={["name", "email", "role", "language"]} />
      <PersonFields person={person} onChange={setPerson} error={error}>
        <Select
          label={roleLabel}
          name="role"
          value={role}
          onValue={setRole}
          options={roles.map((r) => [r, roleName(r)])}
          error={error}
        />
      </PersonFields>
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.participants.invite")}
        </button>
      </div>
    </form>
  );
}
