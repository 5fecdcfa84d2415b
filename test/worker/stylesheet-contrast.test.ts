import { describe, expect, it } from "vitest";
import { DARK, LIGHT } from "../../src/worker/views/stylesheet.ts";
import type { Palette } from "../../src/worker/views/stylesheet.ts";

/** WCAG 2.2 relative luminance of an `#rrggbb` colour (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance). */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((start) => {
    const channel = Number.parseInt(hex.slice(start, start + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** WCAG 2.2 contrast ratio (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio). */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** Text needs 4.5:1 (1.4.3); input borders, focus rings and button edges 3:1 (1.4.11). */
const TEXT_PAIRS: [keyof Palette, keyof Palette][] = [
  ["fg", "bg"],
  ["muted", "bg"],
  ["accent", "bg"],
  ["ok", "bg"],
  ["warn", "bg"],
  ["bad", "bg"],
  ["onButton", "button"],
  ["bg", "bad"],
];
const NON_TEXT_PAIRS: [keyof Palette, keyof Palette][] = [
  ["field", "bg"],
  ["accent", "bg"],
  ["button", "bg"],
  ["bad", "bg"],
];

describe("the pages' colours meet WCAG AA", () => {
  for (const [scheme, palette] of [
    ["light", LIGHT],
    ["dark", DARK],
  ] as const) {
    it(`in the ${scheme} scheme: text 4.5:1, borders and focus 3:1`, () => {
      const ratios = Object.fromEntries([
        ...TEXT_PAIRS.map(([fg, bg]) => [`${fg} on ${bg}`, contrast(palette[fg], palette[bg])]),
        ...NON_TEXT_PAIRS.map(([fg, bg]) => [`${fg} edge on ${bg}`, contrast(palette[fg], palette[bg])]),
      ]);
      for (const [fg, bg] of TEXT_PAIRS) {
        expect(ratios[`${fg} on ${bg}`], `${scheme}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
      for (const [fg, bg] of NON_TEXT_PAIRS) {
        expect(ratios[`${fg} edge on ${bg}`], `${scheme}: ${fg} edge on ${bg}`).toBeGreaterThanOrEqual(3);
      }
    });
  }

  it("computes ratios as WCAG does", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });
});
