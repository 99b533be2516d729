// The person a form invites or opens a case for: name, e-mail address and the language of their
// e-mails — one set of fields for "open a case" and every invitation form.
import type { ComponentChildren } from "preact";
import { languageOptions } from "./labels";
import { Field, Select } from "./ui";
import type { ApiError } from "../lib/api";
import { t } from "../lib/i18n";

export interface Person {
  name: string;
  email: string;
  language: string;
}

export interface PersonFieldsProps {
  person: Person;
  onChange: (person: Person) => void;
  error: ApiError | null;
  /** Fields between the e-mail address and the language (an invitation's role). */
  children?: ComponentChildren;
}

export function PersonFields({ person, onChange, error, children }: PersonFieldsProps) {
  return (
    <>
      <Field
        label={t("web.people.name")}
        name="name"
        autoComplete="off"
        value={person.name}
        onValue={(name) => onChange({ ...person, name })}
        error={error}
      />
      <Field
        label={t("web.people.email")}
        name="email"
        type="email"
        autoComplete="off"
        value={person.email}
        onValue={(email) => onChange({ ...person, email })}
        error={error}
      />
      {children}
      <Select
        label={t("web.people.language")}
        name="language"
        value={person.language}
        onValue={(language) => onChange({ ...person, language })}
        options={languageOptions()}
        error={error}
      />
    </>
  );
}
