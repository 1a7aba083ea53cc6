import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import {
  alerts,
  pullRequests,
  releaseCommits,
  releases,
  type SubscriptionRow,
  subscriptions,
} from "../../db/schema.ts";
import type { NewAlert } from "../alert-types.ts";

/** The channel events a channel subscription hears, as the alert rules derived them. */
const CHANNEL_KINDS = new Set(["advanced", "blocked", "recovered"]);

async function insertNotice(
  tx: Db,
  sub: SubscriptionRow,
  notice: Omit<NewAlert, "dedupeKey">,
  now: Date,
): Promise<void> {
  await tx.insert(alerts).values({
    channel: notice.channel,
    kind: notice.kind,
    dedupeKey: `subscription:${sub.id}:${notice.kind}:${notice.channel}:${now.toISOString()}`,
    summary: notice.summary,
    data: { ...notice.data },
    nextAttemptAt: now,
    createdAt: now,
    subscriptionId: sub.id,
  });
}

/**
 * In one query, the live subscriptions a tick concerns, locked: the channel's own listeners (when
 * it raised something they hear) and the PR and commit subscriptions whose change `release` brought
 * (a PR by its merge commit, as the cached PR row names it).
 */
async function concerned(
  tx: Db,
  channel: string,
  opts: { heard: boolean; release: string | null },
): Promise<SubscriptionRow[]> {
  const which = [];
  if (opts.heard) {
    which.push(and(eq(subscriptions.kind, "channel"), eq(subscriptions.subject, channel)));
  }
  if (opts.release !== null) {
    const brought = tx
      .select({ sha: releaseCommits.sha })
      .from(releaseCommits)
      .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
      .where(and(eq(releases.channel, channel), eq(releases.name, opts.release)));
    const pulls = tx
      .select({ number: sql<string>`cast(${pullRequests.number} as text)` })
      .from(pullRequests)
      .where(inArray(pullRequests.mergeCommitSha, brought));
    which.push(
      and(eq(subscriptions.kind, "commit"), inArray(subscriptions.subject, brought)),
      and(eq(subscriptions.kind, "pr"), inArray(subscriptions.subject, pulls)),
    );
  }
  return tx
    .select()
    .from(subscriptions)
    .where(and(isNull(subscriptions.endedAt), or(...which)))
    .for("update");
}

/**
 * Subscribers' notices for one tick, in the transaction that records its outcome (next to the
 * alerts it raised): a channel subscription gets the channel's advanced/blocked/recovered alerts;
 * a PR or commit subscription gets one `landed` notice per channel its change reaches, and ends
 * once it reached them all.
 */
export async function recordSubscriptionNotices(
  tx: Db,
  ctx: { channel: string; publicUrl: string; now: Date },
  raised: NewAlert[],
): Promise<number> {
  const { channel, now } = ctx;
  const heard = raised.filter((a) => CHANNEL_KINDS.has(a.kind));
  const advanced = raised.find((a) => a.kind === "advanced")?.data;
  const release = advanced?.kind === "advanced" ? advanced.release : null;
  // Most ticks raise nothing: then no query at all.
  if (heard.length === 0 && release === null) return 0;
  let written = 0;
  for (const sub of await concerned(tx, channel, { heard: heard.length > 0, release })) {
    if (sub.kind === "channel") {
      for (const alert of heard) await insertNotice(tx, sub, alert, now);
      written += heard.length;
    } else if (release !== null) {
      const at = { channel, release, publicUrl: ctx.publicUrl, now };
      if (await noteLanded(tx, sub, at)) written++;
    }
  }
  return written;
}

/**
 * One `landed` notice for a channel the subscription's change reached, unless it was told already
 * or the channel is not downstream of its branch; ends the subscription at the last channel.
 * Call with the subscription row locked (FOR UPDATE), so two writers never notify one channel twice.
 */
export async function noteLanded(
  tx: Db,
  sub: SubscriptionRow,
  at: { channel: string; release: string; publicUrl: string; now: Date },
): Promise<SubscriptionRow | null> {
  const { channel, now } = at;
  if (!sub.channels.includes(channel) || sub.reached.includes(channel)) return null;
  const reached = [...sub.reached, channel];
  const left = sub.channels.filter((c) => !reached.includes(c));
  const what = sub.kind === "pr" ? `#${sub.subject}` : sub.subject.slice(0, 12);
  const rest = left.length
    ? `; still to reach: ${left.join(", ")}`
    : "; it is in every channel now";
  await insertNotice(
    tx,
    sub,
    {
      channel,
      kind: "landed",
      summary: `${what} landed in ${channel} (${at.release})${rest}`,
      data: {
        kind: "landed",
        subject: { kind: sub.kind === "pr" ? "pr" : "commit", id: sub.subject },
        release: at.release,
        remaining: left,
        url: `${at.publicUrl}/${sub.kind === "pr" ? "prs" : "commits"}/${sub.subject}`,
      },
    },
    now,
  );
  const ended = left.length === 0;
  const set = ended ? { reached, endedAt: now, endReason: "landed" } : { reached };
  await tx.update(subscriptions).set(set).where(eq(subscriptions.id, sub.id));
  return { ...sub, ...set };
}
