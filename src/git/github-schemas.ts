import { z } from "zod";
import { GitHubApiError } from "./github-errors.ts";

// Only the fields floodgate reads; GitHub adds fields freely, so objects stay loose.
const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "expected a full git object id");
const Timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO timestamp")
  .transform((s) => new Date(s));
const GitActor = z.looseObject({ date: Timestamp }).nullable().optional();

export const GitHubCommit = z.looseObject({
  sha: Sha,
  commit: z.looseObject({ committer: GitActor, author: GitActor, message: z.string() }),
  parents: z.array(z.looseObject({ sha: Sha })),
});
export type GitHubCommit = z.infer<typeof GitHubCommit>;

export const GitHubBranch = z.looseObject({ name: z.string(), commit: GitHubCommit });
export type GitHubBranch = z.infer<typeof GitHubBranch>;

export const GitHubComparison = z.looseObject({
  status: z.enum(["ahead", "behind", "identical", "diverged"]),
  ahead_by: z.number().int().min(0),
  behind_by: z.number().int().min(0),
  total_commits: z.number().int().min(0),
  commits: z.array(GitHubCommit),
});
export type GitHubComparison = z.infer<typeof GitHubComparison>;

export const GitHubRef = z.looseObject({
  ref: z.string(),
  object: z.looseObject({ sha: Sha, type: z.string() }),
});
export type GitHubRef = z.infer<typeof GitHubRef>;

export const GitHubPull = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  state: z.enum(["open", "closed"]),
  merged_at: Timestamp.nullable(),
  merge_commit_sha: Sha.nullable(),
  base: z.looseObject({ ref: z.string() }),
  html_url: z.string(),
});
export type GitHubPull = z.infer<typeof GitHubPull>;

/** Parses a response body; a body of the wrong shape is a typed, non-retryable upstream error. */
export function parseGitHub<T>(schema: z.ZodType<T>, data: unknown, what: string, url: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  // HTML or text instead of JSON is a proxy or outage page; worth another try.
  const retryable = typeof data === "string";
  const issue = parsed.error.issues[0];
  const where = issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "unexpected body";
  throw new GitHubApiError("GITHUB_BAD_RESPONSE", `${what}: unexpected response (${where})`, {
    retryable,
    url,
    cause: parsed.error,
  });
}
