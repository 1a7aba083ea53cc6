import { createMemoryUpstreamCache, type UpstreamCache } from "../db/upstream-cache.ts";
import { AppError, ConfigError } from "../errors.ts";
import { type LogFields, type Logger, silentLogger } from "../log.ts";
import { retry } from "../retry.ts";
import { checkFastForward } from "./check-fast-forward.ts";
import { installEtagCache } from "./etag-cache.ts";
import type {
  BranchHead,
  CommitInfo,
  Comparison,
  FastForwardResult,
  GitHost,
  PullRequestInfo,
} from "./git-host.ts";
import { GitHubApiError, toGitHubError } from "./github-errors.ts";
import { createGitHubOctokit, type GitHubOctokitOptions } from "./github-octokit.ts";
import {
  GitHubBranch,
  GitHubCommit,
  GitHubComparison,
  GitHubPull,
  GitHubRef,
  parseGitHub,
} from "./github-schemas.ts";
import { type RateLimitState, watchRateLimit } from "./rate-limit-watch.ts";

export type { PullRequestInfo, RateLimitState };

export interface GitHubGitHostOptions extends GitHubOctokitOptions {
  /** "owner/name" (FLOODGATE_REPO); `baseUrl` is the API root (FLOODGATE_GITHUB_API_URL). */
  repo: string;
  logger?: Logger;
  /** Transport errors and 5xx; default 3 attempts from 500 ms. */
  retry?: { attempts: number; baseMs: number; maxMs?: number };
  /** `compare` lists at most this many commits (oldest first) unless told otherwise; default 1000. */
  maxCompareCommits?: number;
  /** Where ETags and bodies are kept (the database, so they outlive the process); default memory. */
  upstreamCache?: UpstreamCache;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** `GitHost` on api.github.com, plus what only GitHub knows. */
export interface GitHubGitHost extends GitHost {
  /** The rate-limit window from the newest response, null before the first one. */
  rateLimit(): RateLimitState | null;
}

// GitHub caps `per_page` at 100; with any paging parameter, page 1 holds the oldest commits.
const PAGE_SIZE = 100;

/** The GitHub REST API through octokit: conditional reads, throttled writes, fast-forward only. */
export function createGitHubGitHost(opts: GitHubGitHostOptions): GitHubGitHost {
  const [owner, repo, ...extra] = opts.repo.split("/");
  if (!owner || !repo || extra.length > 0) {
    throw new ConfigError(`repo must be "owner/name", got "${opts.repo}"`, { repo: opts.repo });
  }
  const logger = opts.logger ?? silentLogger;
  const maxCommits = opts.maxCompareCommits ?? 1000;
  const octokit = createGitHubOctokit(opts, logger);
  installEtagCache(octokit, opts.upstreamCache ?? createMemoryUpstreamCache(), opts.now);
  const rateLimit = watchRateLimit(octokit, logger);

  const call = <T>(what: string, fields: LogFields, fn: () => Promise<T>): Promise<T> =>
    retry(
      async (attempt) => {
        try {
          return await fn();
        } catch (err) {
          const failure = toGitHubError(err, what);
          if (failure.retryable) {
            logger.warn("github request failed", { ...fields, what, attempt, code: failure.code });
          }
          throw failure;
        }
      },
      {
        attempts: opts.retry?.attempts ?? 3,
        baseMs: opts.retry?.baseMs ?? 500,
        maxMs: opts.retry?.maxMs ?? 10_000,
        sleep: opts.sleep,
        // A rate limit octokit gave up on will not lift within a quick retry.
        isRetryable: (e) =>
          e instanceof AppError && e.retryable && e.code !== "GITHUB_RATE_LIMITED",
      },
    );
  const apiUrl = (path: string) => `${opts.baseUrl}/repos/${owner}/${repo}${path}`;

  const comparePage = async (base: string, head: string, page: number, perPage: number) => {
    const basehead = `${base}...${head}`;
    const params = { owner, repo, basehead, per_page: perPage, page };
    const res = await call("compare", { base, head, page }, () =>
      octokit.rest.repos.compareCommitsWithBasehead(params),
    );
    const url = apiUrl(`/compare/${basehead}`);
    const body = parseGitHub(GitHubComparison, res.data, "compare", url);
    return { body, hasNext: /rel="next"/.test(res.headers.link ?? "") };
  };
  const compareCommits = async (base: string, head: string, limit: number) => {
    const perPage = Math.min(PAGE_SIZE, Math.max(1, limit));
    const first = await comparePage(base, head, 1, perPage);
    const { status, ahead_by: aheadBy, behind_by: behindBy } = first.body;
    const commits = first.body.commits.map(toCommitInfo);
    let more = first.hasNext;
    for (let page = 2; more && commits.length < Math.min(limit, aheadBy); page++) {
      const next = await comparePage(base, head, page, perPage);
      commits.push(...next.body.commits.map(toCommitInfo));
      more = next.hasNext;
    }
    return { status, aheadBy, behindBy, commits: commits.slice(0, limit) } satisfies Comparison;
  };

  const host: GitHubGitHost = {
    async branchHead(branch): Promise<BranchHead | null> {
      try {
        const res = await call("branch head", { branch }, () =>
          octokit.rest.repos.getBranch({ owner, repo, branch }),
        );
        const body = parseGitHub(
          GitHubBranch,
          res.data,
          "branch head",
          apiUrl(`/branches/${branch}`),
        );
        return { branch, ...toCommitInfo(body.commit) };
      } catch (err) {
        if (err instanceof AppError && err.code === "GITHUB_NOT_FOUND") return null;
        throw err;
      }
    },

    async commit(sha) {
      // per_page limits the file list GitHub pages through; floodgate needs none of it.
      const res = await call("commit", { sha }, () =>
        octokit.rest.repos.getCommit({ owner, repo, ref: sha, per_page: 1 }),
      );
      return toCommitInfo(parseGitHub(GitHubCommit, res.data, "commit", apiUrl(`/commits/${sha}`)));
    },

    compare: (base, head, options) => compareCommits(base, head, options?.maxCommits ?? maxCommits),

    async fastForward(branch, sha): Promise<FastForwardResult> {
      // Only the status matters here: one page of one commit.
      const reads = {
        branchHead: host.branchHead,
        compare: (b: string, h: string) => compareCommits(b, h, 0),
      };
      const check = await checkFastForward(reads, branch, sha);
      if (check.kind === "refused") {
        logger.info("fast-forward refused", { branch, to: sha, reason: check.message });
        return { kind: "not-fast-forward", message: check.message };
      }
      if (check.kind === "identical") return { kind: "updated", sha };
      try {
        // Safe to retry on 5xx: with force false, repeating an applied update is a no-op.
        const res = await call("update ref", { branch, sha }, () =>
          octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: false }),
        );
        const ref = parseGitHub(
          GitHubRef,
          res.data,
          "update ref",
          apiUrl(`/git/refs/heads/${branch}`),
        );
        logger.info("branch fast-forwarded", {
          branch,
          from: check.from,
          to: sha,
          aheadBy: check.aheadBy,
        });
        return { kind: "updated", sha: ref.object.sha };
      } catch (err) {
        if (!(err instanceof GitHubApiError) || err.code !== "GITHUB_UNPROCESSABLE") throw err;
        const message = err.githubMessage ?? err.message;
        logger.warn("fast-forward rejected by github", {
          branch,
          from: check.from,
          to: sha,
          message,
        });
        return { kind: "not-fast-forward", message };
      }
    },

    async pull(number) {
      try {
        const res = await call("pull request", { number }, () =>
          octokit.rest.pulls.get({ owner, repo, pull_number: number }),
        );
        return toPull(
          parseGitHub(GitHubPull, res.data, "pull request", apiUrl(`/pulls/${number}`)),
        );
      } catch (err) {
        if (err instanceof AppError && err.code === "GITHUB_NOT_FOUND") return null;
        throw err;
      }
    },

    async pullsForCommit(sha) {
      const res = await call("pulls for commit", { sha }, () =>
        octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha }),
      );
      const url = apiUrl(`/commits/${sha}/pulls`);
      return parseGitHub(GitHubPull.array(), res.data, "pulls for commit", url).map(toPull);
    },

    async branchMerges(from, into) {
      const res = await call("branch merges", { from, into }, () =>
        octokit.rest.pulls.list({
          owner,
          repo,
          state: "closed",
          head: `${owner}:${from}`,
          base: into,
          sort: "updated",
          direction: "desc",
          per_page: 30,
        }),
      );
      const url = apiUrl(`/pulls?head=${owner}:${from}&base=${into}`);
      return parseGitHub(GitHubPull.array(), res.data, "branch merges", url).flatMap((p) =>
        p.merged_at ? [{ number: p.number, mergedAt: p.merged_at }] : [],
      );
    },

    async branchCommits(branch) {
      const res = await call("branch commits", { branch }, () =>
        octokit.rest.repos.listCommits({ owner, repo, sha: branch, per_page: PAGE_SIZE }),
      );
      const url = apiUrl(`/commits?sha=${branch}`);
      return parseGitHub(GitHubCommit.array(), res.data, "branch commits", url).map((c) => ({
        ...toCommitInfo(c),
        message: c.commit.message,
        parentCount: c.parents.length,
      }));
    },

    rateLimit,
  };
  return host;
}

function toCommitInfo(c: GitHubCommit): CommitInfo {
  const date = c.commit.committer?.date ?? c.commit.author?.date;
  if (!date) {
    throw new GitHubApiError("GITHUB_BAD_RESPONSE", `commit ${c.sha} has no date`, {
      retryable: false,
    });
  }
  return { sha: c.sha, committedAt: date };
}

function toPull(p: GitHubPull): PullRequestInfo {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    mergedAt: p.merged_at,
    mergeCommitSha: p.merge_commit_sha,
    baseRef: p.base.ref,
    url: p.html_url,
  };
}
