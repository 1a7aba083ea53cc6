/** A commit of a branch's history, as far as telling a pushed merge goes. */
export interface ListedCommit {
  message: string;
  parentCount: number;
  committedAt: Date;
}

const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The subject lines git writes when a person merges one branch into another and pushes, in the
 * forms nixpkgs' history has: `Merge branch 'staging' into staging-next`, `Merge remote-tracking
 * branch 'origin/staging' into staging-next`, `Merge branch 'NixOS:staging' into staging-next`,
 * `Merge staging into staging-next`. Branch names match whole: `staging` is not `staging-next`.
 */
export function saysMerged(message: string, from: string, into: string): boolean {
  const subject = message.split("\n", 1)[0]?.trim() ?? "";
  const f = literally(from);
  const target = `into '?${literally(into)}'?$`;
  const forms = [
    // `git merge staging`, or `git pull https://github.com/NixOS/nixpkgs staging`.
    `^Merge branch '(?:[\\w.-]+:)?${f}'(?: of \\S+)? ${target}`,
    `^Merge remote-tracking branch '[\\w.-]+/${f}' ${target}`,
    `^Merge ${f} ${target}`,
  ];
  return forms.some((form) => new RegExp(form).test(subject));
}

/**
 * When `from` was merged into `into` by a pushed merge commit (two or more parents, saying so),
 * from `into`'s listed history; the committer date is when it was merged.
 */
export function pushedMerges(commits: readonly ListedCommit[], from: string, into: string): Date[] {
  return commits
    .filter((c) => c.parentCount >= 2 && saysMerged(c.message, from, into))
    .map((c) => c.committedAt);
}
