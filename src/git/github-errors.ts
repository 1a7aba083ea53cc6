import { RequestError } from "octokit";
import { errorMessage, UpstreamError } from "../errors.ts";

/** A GitHub API failure; `githubMessage` is GitHub's own `message`, `resetAt` when rate limited. */
export class GitHubApiError extends UpstreamError {
  readonly githubMessage: string | undefined;
  readonly resetAt: Date | undefined;

  constructor(
    code: string,
    message: string,
    opts: {
      retryable: boolean;
      url?: string;
      status?: number;
      cause?: unknown;
      githubMessage?: string;
      resetAt?: Date;
    },
  ) {
    super(code, message, opts);
    this.githubMessage = opts.githubMessage;
    this.resetAt = opts.resetAt;
    if (opts.resetAt) this.context.resetAt = opts.resetAt.toISOString();
  }
}

/** Maps whatever octokit threw to a typed error: codes say what to do, not what went wrong. */
export function toGitHubError(err: unknown, what: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (!(err instanceof RequestError) || !err.response) {
    const url = err instanceof RequestError ? err.request.url : undefined;
    return new GitHubApiError("GITHUB_UNREACHABLE", `${what}: ${errorMessage(err)}`, {
      retryable: true,
      url,
      cause: err,
    });
  }
  const { status, response } = err;
  const url = err.request.url;
  const headers = response.headers;
  const githubMessage = messageOf(response.data);
  const detail = githubMessage ?? `HTTP ${status}`;
  const base = { url, status, cause: err, githubMessage };
  const remaining = headers["x-ratelimit-remaining"];
  if (
    (status === 403 || status === 429) &&
    (String(remaining) === "0" || /rate limit/i.test(githubMessage ?? ""))
  ) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const retryAfter = Number(headers["retry-after"]);
    const resetAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
    const retryAt = retryAfter > 0 ? new Date(Date.now() + retryAfter * 1000) : undefined;
    return new GitHubApiError("GITHUB_RATE_LIMITED", `${what}: ${detail}`, {
      ...base,
      retryable: true,
      resetAt: resetAt ?? retryAt,
    });
  }
  const [code, retryable] =
    status === 401 || status === 403
      ? ["GITHUB_AUTH", false]
      : status === 404
        ? ["GITHUB_NOT_FOUND", false]
        : status === 422
          ? ["GITHUB_UNPROCESSABLE", false]
          : status >= 500
            ? ["GITHUB_HTTP_5XX", true]
            : ["GITHUB_HTTP_4XX", status === 429];
  return new GitHubApiError(code, `${what}: ${detail}`, { ...base, retryable });
}

function messageOf(data: unknown): string | undefined {
  if (typeof data === "object" && data !== null && "message" in data) {
    const { message } = data;
    return typeof message === "string" ? message : undefined;
  }
  return undefined;
}
