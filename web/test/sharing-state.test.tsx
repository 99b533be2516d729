import { render, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { SharingState, sharingWords } from "../src/components/sharing-state";
import { t } from "../src/lib/i18n";

const names = new Map([
  ["u-dora", "Dora"],
  ["u-emil", "Emil"],
]);

describe("sharingWords", () => {
  it("says private when nobody else sees the item", () => {
    expect(sharingWords([], names)).toBe(t("web.sharing.statePrivate"));
  });

  it("names everyone the item is shared with, and the employee it is about", () => {
    const words = sharingWords(
      [
        { userId: "u-dora", expiresAt: null, subject: false },
        { userId: "u-emil", expiresAt: null, subject: true },
        { userId: "u-gone", expiresAt: null, subject: false },
      ],
      names,
    );
    const people = ["Dora", t("web.sharing.stateSubject", { name: "Emil" }), t("web.common.someone")];
    expect(words).toBe(t("web.sharing.stateShared", { people: people.join(", ") }));
  });
});

describe("SharingState", () => {
  it("marks a shared item for styling and tests, and shows nothing before the list is loaded", () => {
    const { rerender } = render(<SharingState shares={undefined} names={names} />);
    expect(screen.queryByTestId("sharing-state")).toBeNull();
    rerender(<SharingState shares={[{ userId: "u-dora", expiresAt: null, subject: false }]} names={names} />);
    const state = screen.getByTestId("sharing-state");
    expect(state.dataset.shared).toBe("yes");
    expect(state.className).toBe("sharing-state is-shared");
  });
});
