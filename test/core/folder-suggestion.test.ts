import { describe, expect, it } from "vitest";
import { closestFolderPath, editDistance } from "../../src/core/mail/folder-suggestion.ts";

const FOLDERS = [
  { path: "Inbox", displayName: "Inbox" },
  { path: "Inbox/Support", displayName: "Support" },
  { path: "Inbox/Support/Escalations", displayName: "Escalations" },
  { path: "Sent Items", displayName: "Sent Items" },
  { path: "Archive", displayName: "Archive" },
];

describe("the closest folder to a typo", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests the path for a mistyped path or a mistyped folder name", () => {
    expect(closestFolderPath("Inbox/Suport", FOLDERS)).toBe("Inbox/Support");
    expect(closestFolderPath("inbox/support/escalation", FOLDERS)).toBe("Inbox/Support/Escalations");
    expect(closestFolderPath("Suport", FOLDERS)).toBe("Inbox/Support");
    expect(closestFolderPath("Sent items", FOLDERS)).toBeNull();
    expect(closestFolderPath("Sent Itmes", FOLDERS)).toBe("Sent Items");
  });

  it("suggests nothing for an exact name, an empty one, or one too far from every folder", () => {
    expect(closestFolderPath("Inbox", FOLDERS)).toBeNull();
    expect(closestFolderPath("  ", FOLDERS)).toBeNull();
    expect(closestFolderPath("Invoices/2026", FOLDERS)).toBeNull();
    expect(closestFolderPath("x", [])).toBeNull();
  });
});
