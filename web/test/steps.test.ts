import { describe, expect, it } from "vitest";
import { stepPoints } from "../src/lib/steps";

describe("stepPoints", () => {
  it("holds each stage's value until the next stage begins", () => {
    // 20 % from 9 November, 40 % from 1 December (open): on an axis from 1 November, 0–45.
    const points = stepPoints(
      "2026-11-01",
      [
        { from: "2026-12-01", to: null, value: 40 },
        { from: "2026-11-09", to: "2026-12-01", value: 20 },
      ],
      0,
      45,
    );
    expect(points).toEqual([
      { x: 8, y: 20 },
      { x: 30, y: 20 },
      { x: 30, y: 40 },
      { x: 45, y: 40 },
    ]);
  });

  it("breaks the line where no stage holds and starts a stage begun earlier at the axis", () => {
    const points = stepPoints(
      "2026-11-01",
      [
        { from: "2026-10-01", to: "2026-11-05", value: 50 },
        { from: "2026-11-10", to: "2026-11-20", value: 60 },
      ],
      2,
      30,
    );
    expect(points[0]).toEqual({ x: 2, y: 50 });
    expect(points[1]).toEqual({ x: 4, y: 50 });
    expect(Number.isNaN(points[2]?.y)).toBe(true);
    expect(points.slice(3)).toEqual([
      { x: 9, y: 60 },
      { x: 19, y: 60 },
    ]);
  });
});
