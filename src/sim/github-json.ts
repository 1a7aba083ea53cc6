import type { GitCommit, GitModel, ModelComparison, ModelIssue, PullRequest } from "./git-model.ts";

/** Where a response's links point: `api` is `<origin>/repos/<owner>/<name>`. */
export interface JsonContext {
  api: string;
  repo: string;
}

/** A rate-limit window like GitHub's `core` resource; `reset` is epoch seconds. */
export interface RateLimitBucket {
  limit: number;
  used: number;
  reset: number;
}

export function rateHeaders(bucket: RateLimitBucket): Record<string, string> {
  return {
    "x-ratelimit-limit": String(bucket.limit),
    "x-ratelimit-remaining": String(Math.max(0, bucket.limit - bucket.used)),
    "x-ratelimit-reset": String(bucket.reset),
    "x-ratelimit-used": String(bucket.used),
    "x-ratelimit-resource": "core",
  };
}

export function commitJson(ctx: JsonContext, commit: GitCommit) {
  const { api, repo } = ctx;
  const person = { ...commit.author, date: commit.committedAt.toISOString() };
  return {
    sha: commit.sha,
    node_id: `C_kwDO${commit.sha.slice(0, 24)}`,
    commit: {
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.sha.split("").reverse().join(""), url: `${api}/git/trees/x` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `https://github.com/${repo}/commit/${commit.sha}`,
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `https://github.com/${repo}/commit/${sha}`,
    })),
  };
}

export function refJson(ctx: JsonContext, branch: string, sha: string) {
  return {
    ref: `refs/heads/${branch}`,
    node_id: `REF_${sha.slice(0, 16)}`,
    url: `${ctx.api}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${ctx.api}/git/commits/${sha}` },
  };
}

export function pullJson(ctx: JsonContext, model: GitModel, p: PullRequest) {
  return {
    url: `${ctx.api}/pulls/${p.number}`,
    id: 100_000 + p.number,
    number: p.number,
    html_url: `https://github.com/${ctx.repo}/pull/${p.number}`,
    state: p.state,
    title: p.title,
    merged: p.mergedAt !== null,
    merged_at: p.mergedAt?.toISOString() ?? null,
    merge_commit_sha: p.mergeCommitSha,
    base: { label: `NixOS:${p.baseRef}`, ref: p.baseRef, sha: model.branchHead(p.baseRef) ?? null },
    head: { label: `NixOS:${p.headRef ?? `pr-${p.number}`}`, ref: p.headRef ?? `pr-${p.number}` },
  };
}

export function issueJson(ctx: JsonContext, i: ModelIssue) {
  return {
    url: `${ctx.api}/issues/${i.number}`,
    id: 200_000 + i.number,
    number: i.number,
    html_url: `https://github.com/${ctx.repo}/issues/${i.number}`,
    state: i.state,
    title: i.title,
    body: i.body,
    labels: i.labels.map((name, n) => ({ id: n + 1, name })),
    created_at: i.createdAt.toISOString(),
    updated_at: i.createdAt.toISOString(),
  };
}

/** `page`/`per_page` as sent; both undefined means the unpaged form. */
export interface ComparePaging {
  page?: string;
  perPage?: string;
}

const UNPAGED_LIMIT = 250;

/**
 * GitHub's compare body and Link header. Unpaged, it lists the newest 250 commits; with any paging
 * parameter, pages of `per_page` (default 30, at most 100) run oldest first.
 */
export function compareJson(
  ctx: JsonContext,
  basehead: string,
  cmp: ModelComparison,
  commits: { base: GitCommit; mergeBase: GitCommit | undefined },
  paging: ComparePaging,
): { body: object; link: string | undefined } {
  const paged = paging.page !== undefined || paging.perPage !== undefined;
  const perPage = clamp(Number(paging.perPage ?? 30), 1, 100);
  const page = clamp(Number(paging.page ?? 1), 1, Number.MAX_SAFE_INTEGER);
  const listed = paged
    ? cmp.commits.slice((page - 1) * perPage, page * perPage)
    : cmp.commits.slice(-UNPAGED_LIMIT);
  const lastPage = Math.max(1, Math.ceil(cmp.commits.length / perPage));
  const pageUrl = (n: number) =>
    `<${ctx.api}/compare/${encodeURIComponent(basehead)}?per_page=${perPage}&page=${n}>`;
  const links = paged
    ? [
        ...(page < lastPage
          ? [`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`]
          : []),
        ...(page > 1 ? [`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`] : []),
      ]
    : [];
  const body = {
    url: `${ctx.api}/compare/${basehead}`,
    html_url: `https://github.com/${ctx.repo}/compare/${basehead}`,
    base_commit: commitJson(ctx, commits.base),
    merge_base_commit: commits.mergeBase ? commitJson(ctx, commits.mergeBase) : null,
    status: cmp.status,
    ahead_by: cmp.ahead_by,
    behind_by: cmp.behind_by,
    total_commits: cmp.ahead_by,
    commits: listed.map((x) => commitJson(ctx, x)),
    files: [],
  };
  return { body, link: links.length > 0 ? links.join(", ") : undefined };
}

function clamp(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.trunc(n))) : min;
}
