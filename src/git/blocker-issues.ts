import { z } from "zod";
import type { UpstreamCache } from "../db/upstream-cache.ts";
import { ConfigError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { retry } from "../retry.ts";
import { installEtagCache } from "./etag-cache.ts";
import { toGitHubError } from "./github-errors.ts";
import { createGitHubOctokit, type GitHubOctokitOptions } from "./github-octokit.ts";
import { parseGitHub } from "./github-schemas.ts";

/** The label nixpkgs puts on issues that hold a channel back (status.nixos.org shows them). */
export const CHANNEL_BLOCKER_LABEL = "1.severity: channel blocker";

/** An open issue as GitHub lists it: what the banner shows and what channel names are sought in. */
export interface OpenIssue {
  number: number;
  title: string;
  body: string;
  url: string;
  createdAt: string;
}

/** Open issues carrying a label; GitHub lists at most 100 (channel blockers are a handful). */
export interface IssueSource {
  openIssues(label: string): Promise<OpenIssue[]>;
}

const GitHubIssue = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  created_at: z.string(),
  // Pull requests are issues too in this list; they carry this key.
  pull_request: z.unknown().optional(),
});
const GitHubIssues = z.array(GitHubIssue);

/** `GET /repos/{o}/{r}/issues?labels=…&state=open` through octokit, conditional (ETag) and retried. */
export function createGitHubIssueSource(
  opts: GitHubOctokitOptions & {
    repo: string;
    logger?: Logger;
    /** Where ETags and bodies are kept (the database's upstream_cache in the entries). */
    upstreamCache: UpstreamCache;
    now?: () => Date;
  },
): IssueSource {
  const [owner, repo, ...extra] = opts.repo.split("/");
  if (!owner || !repo || extra.length > 0) {
    throw new ConfigError(`repo must be "owner/name", got "${opts.repo}"`, { repo: opts.repo });
  }
  const octokit = createGitHubOctokit(opts, opts.logger ?? silentLogger);
  installEtagCache(octokit, opts.upstreamCache, opts.now);
  return {
    async openIssues(label) {
      const res = await retry(
        async () => {
          try {
            return await octokit.rest.issues.listForRepo({
              owner,
              repo,
              labels: label,
              state: "open",
              per_page: 100,
            });
          } catch (err) {
            throw toGitHubError(err, "open issues");
          }
        },
        { attempts: 3, baseMs: 500, maxMs: 10_000 },
      );
      const url = `${opts.baseUrl}/repos/${owner}/${repo}/issues`;
      return parseGitHub(GitHubIssues, res.data, "open issues", url)
        .filter((i) => i.pull_request === undefined)
        .map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body ?? "",
          url: i.html_url,
          createdAt: i.created_at,
        }));
    },
  };
}
