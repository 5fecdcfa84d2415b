/**
 * "Did you mean …?" for a folder that was not found: the known folder path closest to what was typed,
 * by edit distance (Levenshtein), case-insensitive. A name typed without a path is also compared with
 * each folder's own name, so `Suport` finds `Inbox/Support`.
 * @module
 */

/** Folders known to the suggestion: the path a handler takes and the folder's own name. */
export interface FolderName {
  path: string;
  displayName: string;
}

/** The closest folder path, or null when nothing is close enough to be a typo (or the name is exact). */
export function closestFolderPath(typed: string, folders: readonly FolderName[]): string | null {
  const wanted = typed.trim().toLowerCase();
  if (wanted === "" || folders.some((folder) => folder.path.toLowerCase() === wanted)) {
    return null;
  }
  let best: { path: string; distance: number } | null = null;
  for (const folder of folders) {
    const distance = Math.min(
      editDistance(wanted, folder.path.toLowerCase()),
      wanted.includes("/") ? Number.POSITIVE_INFINITY : editDistance(wanted, folder.displayName.toLowerCase()),
    );
    if (best === null || distance < best.distance) {
      best = { path: folder.path, distance };
    }
  }
  return best !== null && best.distance <= typoAllowance(wanted) ? best.path : null;
}

/** Two edits for short names, a third of the length for longer ones. */
function typoAllowance(text: string): number {
  return Math.max(2, Math.floor(text.length / 3));
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
