import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { ScaleInput } from "../src/components/scale-input";
import { t } from "../src/lib/i18n";

function scale(value: number | null, onValue = vi.fn()) {
  render(
    <ScaleInput
      name="energy"
      label="Energy"
      low="very low"
      high="very high"
      value={value}
      onValue={onValue}
    />,
  );
  return onValue;
}

describe("ScaleInput", () => {
  it("is a named group of eleven radio buttons, 0 to 10", () => {
    scale(null);
    const group = screen.getByRole("group", { name: "Energy" });
    const radios = screen.getAllByRole("radio");
    expect(group).toBeTruthy();
    expect(radios.map((radio) => radio.getAttribute("value"))).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
      "10",
    ]);
  });

  it("describes both ends of the scale on the first and the last value", () => {
    scale(null);
    const [first, , , , , , , , , , last] = screen.getAllByRole("radio");
    const describedBy = (radio: HTMLElement) =>
      document.getElementById(radio.getAttribute("aria-describedby") ?? "")?.textContent;
    expect(describedBy(first)).toBe("very low");
    expect(describedBy(last)).toBe("very high");
  });

  it("reports the value chosen and offers to clear it", () => {
    const onValue = scale(7);
    expect((screen.getByRole("radio", { checked: true }) as HTMLInputElement).value).toBe("7");
    fireEvent.click(screen.getAllByRole("radio")[3]);
    expect(onValue).toHaveBeenLastCalledWith(3);
    fireEvent.click(screen.getByRole("button", { name: `${t("web.reflections.clearScale")} Energy` }));
    expect(onValue).toHaveBeenLastCalledWith(null);
  });

  it("offers no clear button while nothing is chosen", () => {
    scale(null);
    expect(screen.queryByRole("button")).toBeNull();
  });
});
