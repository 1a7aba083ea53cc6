import { z } from "zod";
import type { ChannelSpec } from "../../config/channels-file.ts";
import { subscriptions } from "../../db/schema.ts";
import { type BranchGraph, downstream } from "../../domain/branch-graph.ts";
import { BadRequestError, NotFoundError, RetryLaterError } from "../../errors.ts";
import { cachedPull } from "../../git/cached-pulls.ts";
import { containment } from "../../status/landings/channel-landing.ts";
import {
  badRequest,
  type LandingDeps,
  resolveCommit,
} from "../../status/landings/commit-landing.ts";
import { landedRelease } from "../../status/landings/landing-queries.ts";
import { currentReleaseOf } from "../../status/read-model/channel-status.ts";
import { hmacSha256Hex } from "../targets.ts";
import type { SubscriptionPoster } from "./subscription-poster.ts";
import {
  countByClientSince,
  countLiveByUrl,
  hashToken,
  newSecret,
  newToken,
} from "./subscription-store.ts";

export interface SubscriptionPolicy {
  /** Test-only: loopback addresses and http URLs are accepted (FLOODGATE_SUBSCRIPTION_ALLOW_LOOPBACK=1). */
  allowLoopback: boolean;
  /** Subscriptions one client (IPv4 address, IPv6 /64) may create per hour. */
  perClientPerHour: number;
  /** Live subscriptions delivering to one URL. */
  perTarget: number;
}

export const SubscriptionRequest = z
  .object({
    kind: z.enum(["pr", "commit", "channel"]),
    subject: z.string().trim().min(1).max(100),
    delivery: z.enum(["webhook", "slack", "feed"]),
    url: z.string().trim().max(2000).optional(),
  })
  .refine((r) => r.delivery === "feed" || (r.url !== undefined && r.url !== ""), {
    message: "a webhook or Slack subscription needs a url",
    path: ["url"],
  });
export type SubscriptionRequest = z.infer<typeof SubscriptionRequest>;

export interface CreateDeps extends LandingDeps {
  branchGraph: BranchGraph;
  subscriptionPolicy: SubscriptionPolicy;
  subscriptionPoster?: SubscriptionPoster;
}

export interface Created {
  token: string;
  /** The webhook's HMAC key, shown once. */
  secret: string | null;
  manageUrl: string;
  feedUrl: string | null;
  channels: string[];
  reached: string[];
}

/** The channels a change made against `branch` flows into, in flow order. */
export function channelsDownstream(
  graph: BranchGraph,
  specs: ChannelSpec[],
  branch: string,
): string[] {
  const names = new Set(specs.map((s) => s.name));
  const below = downstream(graph, branch).filter((n) => names.has(n));
  // A commit first seen on a channel's branch is in that channel already, and flows on from it.
  return names.has(branch) ? [branch, ...below.filter((n) => n !== branch)] : below;
}

async function subjectOf(deps: CreateDeps, req: SubscriptionRequest) {
  if (req.kind === "channel") {
    if (!deps.channels.some((c) => c.name === req.subject)) {
      throw new NotFoundError(`no channel ${req.subject}`);
    }
    return { subject: req.subject, branch: null, sha: null };
  }
  if (req.kind === "commit") {
    const commit = await resolveCommit(deps, req.subject);
    return { subject: commit.sha, branch: commit.firstSeen?.branch ?? "master", sha: commit.sha };
  }
  const digits = /^#?([1-9]\d{0,9})$/.exec(req.subject)?.[1];
  if (!digits) throw badRequest(`"${req.subject}" is not a pull request number`);
  const pull = await cachedPull(deps, Number(digits), deps.clock.now());
  if (!pull) throw new NotFoundError(`no pull request #${digits}`);
  const sha = pull.mergedAt ? pull.mergeCommitSha : null;
  return { subject: String(pull.number), branch: pull.baseRef, sha };
}

/**
 * Whether `channel` has the change already: a recorded landing, else GitHub's compare against
 * its current release (a change from before recording, or one a release brought past what was
 * recorded). Out of lookups' budget, it counts as not there: the follow pass decides later.
 */
async function inChannel(
  deps: CreateDeps,
  contains: ReturnType<typeof containment>,
  channel: string,
  sha: string,
): Promise<boolean> {
  if (await landedRelease(deps.db, channel, sha)) return true;
  const current = await currentReleaseOf(deps.db, channel);
  if (!current) return false;
  try {
    return (await contains(sha, current.revision)).contained;
  } catch (err) {
    if (err instanceof RetryLaterError) return false;
    throw err;
  }
}

/** Sends the test delivery; a URL that does not take it (or redirects) is refused with the reason. */
async function verifyEndpoint(deps: CreateDeps, req: SubscriptionRequest, secret: string | null) {
  if (req.delivery === "feed" || !req.url) return;
  const poster = deps.subscriptionPoster;
  if (!poster) throw new BadRequestError("webhook and Slack subscriptions need the Node runtime");
  const text = `floodgate: subscribed to ${req.kind} ${req.subject}`;
  const body = JSON.stringify(
    req.delivery === "slack" ? { text } : { type: "subscription.created", summary: text },
  );
  const headers: Record<string, string> = {};
  if (secret) headers["x-floodgate-signature"] = `sha256=${await hmacSha256Hex(secret, body)}`;
  const answer = await poster.post(req.url, body, headers);
  if (answer.kind === "refused") throw new BadRequestError(`URL refused: ${answer.reason}`);
  if (answer.kind === "failed") {
    throw new BadRequestError(`the URL did not take a test delivery: ${answer.error}`);
  }
  if (answer.status >= 300 && answer.status < 400) {
    // Said for the subscriber's sake; the redirect is never followed either way.
    throw new BadRequestError(
      `URL refused: it redirects (${answer.status}) to ${answer.location ?? "nowhere"}; floodgate follows no redirects`,
    );
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new BadRequestError(`the URL answered the test delivery with ${answer.status}`);
  }
}

/** `POST /api/v1/subscriptions`: checks, limits, a test delivery, then the row; the token once. */
export async function createSubscription(
  deps: CreateDeps,
  req: SubscriptionRequest,
  client: string,
): Promise<Created> {
  const now = deps.clock.now();
  const policy = deps.subscriptionPolicy;
  const made = await countByClientSince(deps.db, client, new Date(now.getTime() - 3_600_000));
  if (made >= policy.perClientPerHour) {
    throw new RetryLaterError(
      "RATE_LIMITED",
      `at most ${policy.perClientPerHour} subscriptions an hour per client`,
      3600,
    );
  }
  if (req.url && (await countLiveByUrl(deps.db, req.url)) >= policy.perTarget) {
    throw new RetryLaterError(
      "RATE_LIMITED",
      `at most ${policy.perTarget} live subscriptions per URL`,
      3600,
    );
  }
  const { subject, branch, sha } = await subjectOf(deps, req);
  const channels =
    branch === null ? [] : channelsDownstream(deps.branchGraph, deps.channels, branch);
  if (branch !== null && channels.length === 0) {
    throw new BadRequestError(`no channel follows the branch ${branch}`);
  }
  const reached: string[] = [];
  const contains = containment(deps.git);
  for (const channel of sha ? channels : []) {
    if (await inChannel(deps, contains, channel, sha ?? "")) reached.push(channel);
  }
  if (branch !== null && reached.length === channels.length) {
    throw new BadRequestError(`${req.kind} ${subject} has landed in every channel already`);
  }
  const secret = req.delivery === "webhook" ? newSecret() : null;
  await verifyEndpoint(deps, req, secret);
  const token = newToken();
  await deps.db.insert(subscriptions).values({
    tokenHash: await hashToken(token),
    kind: req.kind,
    subject,
    branch,
    channels,
    reached,
    delivery: req.delivery,
    url: req.delivery === "feed" ? null : (req.url ?? null),
    secret,
    client,
    createdAt: now,
  });
  return {
    token,
    secret,
    manageUrl: `${deps.publicUrl}/api/v1/subscriptions/${token}`,
    feedUrl: req.delivery === "feed" ? `${deps.publicUrl}/feeds/subscriptions/${token}.atom` : null,
    channels,
    reached,
  };
}
