import { NotFoundError } from "../errors.ts";

export interface GitPerson {
  name: string;
  email: string;
}

export interface GitCommit {
  sha: string;
  parents: string[];
  message: string;
  committedAt: Date;
  author: GitPerson;
  /** Creation order; parents always come first, so it sorts commits oldest first. */
  seq: number;
}

export interface PullRequest {
  number: number;
  title: string;
  mergeCommitSha: string | null;
  baseRef: string;
  /** The branch merged, for a branch's PR into another (staging-next into master); else a topic. */
  headRef?: string;
  state: "open" | "closed";
  mergedAt: Date | null;
}

/** An issue with labels (the channel-blocker banner reads open ones labelled as blockers). */
export interface ModelIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  createdAt: Date;
}

export type CompareStatus = "ahead" | "behind" | "identical" | "diverged";

export interface ModelComparison {
  status: CompareStatus;
  ahead_by: number;
  behind_by: number;
  /** Commits reachable from head but not from base, oldest first. */
  commits: GitCommit[];
  merge_base: string | null;
}

export interface GitModelOptions {
  repo?: string;
  /** The clock commits are stamped with; default a fixed clock at `start`. */
  now?: () => Date;
  /** Where the default clock starts; default 2026-01-01T00:00:00Z. */
  start?: Date;
  defaultBranch?: string;
}

const DEFAULT_AUTHOR: GitPerson = { name: "Nixpkgs Contributor", email: "contributor@example.org" };

/** A tiny in-memory git DAG of one repository (NixOS/nixpkgs), for the fake GitHub. Pure state. */
export class GitModel {
  readonly repo: string;
  private readonly commits = new Map<string, GitCommit>();
  private readonly refs = new Map<string, string>();
  private readonly pulls = new Map<number, PullRequest>();
  private readonly issueList = new Map<number, ModelIssue>();
  private clock: () => Date;
  private counter = 0;

  constructor(opts: GitModelOptions = {}) {
    this.repo = opts.repo ?? "NixOS/nixpkgs";
    this.clock = opts.now ?? fixedClock(new Date(opts.start ?? "2026-01-01T00:00:00Z"));
    const root = this.addCommit([], "Initial commit", this.clock(), DEFAULT_AUTHOR);
    this.refs.set(opts.defaultBranch ?? "master", root);
  }

  now(): Date {
    return new Date(this.clock());
  }

  /** Stops the clock at `at` (replacing any injected clock). */
  setNow(at: Date): void {
    this.clock = fixedClock(at);
  }

  advance(ms: number): Date {
    this.setNow(new Date(this.clock().getTime() + ms));
    return this.now();
  }

  get branches(): Record<string, string> {
    return Object.fromEntries(this.refs);
  }

  branchHead(branch: string): string | undefined {
    return this.refs.get(branch);
  }

  /** Adds a commit on top of `branch` and moves the branch to it. */
  commit(branch: string, message: string, at?: Date, author: GitPerson = DEFAULT_AUTHOR): string {
    const parent = this.requireBranch(branch);
    const sha = this.addCommit([parent], message, at ?? this.clock(), author);
    this.refs.set(branch, sha);
    return sha;
  }

  /** A merge commit on `branch` with `otherSha` as second parent. */
  merge(branch: string, otherSha: string, message: string, at?: Date): string {
    const parent = this.requireBranch(branch);
    this.requireCommit(otherSha);
    const sha = this.addCommit([parent, otherSha], message, at ?? this.clock(), DEFAULT_AUTHOR);
    this.refs.set(branch, sha);
    return sha;
  }

  /** Someone else moves (or force-pushes) a branch. */
  setBranch(branch: string, sha: string): void {
    this.requireBranch(branch);
    this.requireCommit(sha);
    this.refs.set(branch, sha);
  }

  createBranch(name: string, sha: string): void {
    this.requireCommit(sha);
    if (this.refs.has(name)) throw new Error(`branch ${name} already exists`);
    this.refs.set(name, sha);
  }

  deleteBranch(name: string): void {
    this.refs.delete(name);
  }

  getCommit(sha: string): GitCommit | undefined {
    return this.commits.get(sha);
  }

  /** A branch name, a full sha or an unambiguous prefix of at least 7 hex digits. */
  resolve(ref: string): string | undefined {
    const branch = this.refs.get(ref);
    if (branch) return branch;
    if (this.commits.has(ref)) return ref;
    if (!/^[0-9a-f]{7,39}$/.test(ref)) return undefined;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(ref));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** True when `a` is reachable from `b` (a commit is its own ancestor, like `git merge-base --is-ancestor`). */
  isAncestor(a: string, b: string): boolean {
    return this.reachable(b).has(a);
  }

  /** `git log sha`: its history newest first by committer date (GitHub's `commits?sha=`). */
  log(sha: string, limit: number): GitCommit[] {
    return this.sorted([...this.reachable(sha)])
      .sort((x, y) => y.committedAt.getTime() - x.committedAt.getTime() || y.seq - x.seq)
      .slice(0, limit);
  }

  /** `git rev-list --count sha`. */
  revCount(sha: string): number {
    return this.reachable(sha).size;
  }

  /** What GitHub's `compare/base...head` says. */
  compare(base: string, head: string): ModelComparison {
    const fromBase = this.reachable(base);
    const fromHead = this.reachable(head);
    const headOnly = [...fromHead].filter((sha) => !fromBase.has(sha));
    const baseOnly = [...fromBase].filter((sha) => !fromHead.has(sha));
    const status: CompareStatus =
      base === head
        ? "identical"
        : baseOnly.length === 0
          ? "ahead"
          : headOnly.length === 0
            ? "behind"
            : "diverged";
    let mergeBase: GitCommit | undefined;
    for (const sha of fromHead) {
      const c = this.commits.get(sha);
      if (c && fromBase.has(sha) && (!mergeBase || c.seq > mergeBase.seq)) mergeBase = c;
    }
    return {
      status,
      ahead_by: headOnly.length,
      behind_by: baseOnly.length,
      commits: this.sorted(headOnly),
      merge_base: mergeBase?.sha ?? null,
    };
  }

  addPull(pull: {
    number: number;
    title: string;
    mergeCommitSha: string | null;
    baseRef: string;
    headRef?: string;
    state?: "open" | "closed";
    mergedAt?: Date | null;
  }): PullRequest {
    const merged = pull.mergeCommitSha !== null;
    const stored: PullRequest = {
      ...pull,
      state: pull.state ?? (merged ? "closed" : "open"),
      mergedAt: pull.mergedAt ?? (merged ? this.now() : null),
    };
    this.pulls.set(pull.number, stored);
    return stored;
  }

  pull(n: number): PullRequest | undefined {
    return this.pulls.get(n);
  }

  addIssue(issue: { number: number; title: string; body?: string; labels?: string[] }): ModelIssue {
    const stored: ModelIssue = {
      body: "",
      labels: [],
      ...issue,
      state: "open",
      createdAt: this.clock(),
    };
    this.issueList.set(issue.number, stored);
    return stored;
  }

  closeIssue(n: number): void {
    const issue = this.issueList.get(n);
    if (issue) issue.state = "closed";
  }

  /** Newest first, like GitHub's default sort; `labels` must all be present. */
  issues(state: "open" | "closed" | "all", labels: string[]): ModelIssue[] {
    return [...this.issueList.values()]
      .filter((i) => state === "all" || i.state === state)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => b.number - a.number);
  }

  /** Closed PRs from `headRef` into `baseRef`, newest first (GitHub's `pulls?head=&base=`). */
  closedPulls(headRef: string, baseRef: string): PullRequest[] {
    return [...this.pulls.values()]
      .filter((p) => p.state === "closed" && p.headRef === headRef && p.baseRef === baseRef)
      .sort((a, b) => b.number - a.number);
  }

  /** The next free PR number above every one added. */
  nextPullNumber(): number {
    return Math.max(0, ...this.pulls.keys()) + 1;
  }

  pullsForCommit(sha: string): PullRequest[] {
    return [...this.pulls.values()].filter((p) => p.mergeCommitSha === sha);
  }

  private addCommit(parents: string[], message: string, at: Date, author: GitPerson): string {
    let sha: string;
    do {
      this.counter++;
      sha = hex40(`${parents.join(" ")}\n${message}\n${at.toISOString()}\n${this.counter}`);
    } while (this.commits.has(sha));
    const seq = this.counter;
    this.commits.set(sha, { sha, parents, message, committedAt: new Date(at), author, seq });
    return sha;
  }

  private reachable(sha: string): Set<string> {
    this.requireCommit(sha);
    const seen = new Set<string>();
    const stack = [sha];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(this.commits.get(next)?.parents ?? []));
    }
    return seen;
  }

  private sorted(shas: string[]): GitCommit[] {
    return shas
      .map((sha) => this.commits.get(sha))
      .filter((c): c is GitCommit => c !== undefined)
      .sort((x, y) => x.seq - y.seq);
  }

  private requireBranch(branch: string): string {
    const sha = this.refs.get(branch);
    if (!sha) throw new NotFoundError(`no branch ${branch}`, { branch });
    return sha;
  }

  private requireCommit(sha: string): GitCommit {
    const c = this.commits.get(sha);
    if (!c) throw new NotFoundError(`no commit ${sha}`, { sha });
    return c;
  }
}

function fixedClock(at: Date): () => Date {
  const ms = at.getTime();
  return () => new Date(ms);
}

/** 40 hex digits from five seeded FNV-1a passes with a murmur finaliser; deterministic, not cryptographic. */
export function hex40(input: string): string {
  let out = "";
  for (let seed = 1; seed <= 5; seed++) {
    let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
    for (let i = 0; i < input.length; i++) {
      h = Math.imul(h ^ input.charCodeAt(i), 0x01000193) >>> 0;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    out += ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}
