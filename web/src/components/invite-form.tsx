// Inviting a person by name, e-mail, role and language: participants into a case and staff into
// an organisation use the same form; only the endpoint, the roles and the heading differ.
import { useState } from "preact/hooks";
import { languageOptions, roleName } from "./labels";
import { Field, FormError, Notice, Select, requiredError, useAction } from "./ui";
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
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState(roles[0]);
  const [lang, setLang] = useState<string>(language.get());
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return setError(requiredError("name"));
    if (!email.trim()) return setError(requiredError("email"));
    void run(async () => {
      await api.post(endpoint, { name: name.trim(), email: email.trim(), role, language: lang });
      setSent(email.trim());
      setName("");
      setEmail("");
      onInvited();
    });
  };
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <form onSubmit={submit} noValidate class="card" data-testid={testId}>
      <Heading>{title}</Heading>
      {sent && <Notice kind="success">{t("web.participants.invited", { email: sent })}</Notice>}
      <FormError error={error} fields={["name", "email", "role", "language"]} />
      <Field
        label={t("web.people.name")}
        name="name"
        autoComplete="off"
        value={name}
        onValue={setName}
        error={error}
      />
      <Field
        label={t("web.people.email")}
        name="email"
        type="email"
        autoComplete="off"
        value={email}
        onValue={setEmail}
        error={error}
      />
      <Select
        label={roleLabel}
        name="role"
        value={role}
        onValue={setRole}
        options={roles.map((r) => [r, roleName(r)])}
        error={error}
      />
      <Select
        label={t("web.people.language")}
        name="language"
        value={lang}
        onValue={setLang}
        options={languageOptions()}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.participants.invite")}
        </button>
      </div>
    </form>
  );
}
