import { and, eq, inArray, isNull, sql } from "drizzle-orm";
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

/** Live PR and commit subscriptions whose change the release `releaseId` brought. */
async function landedWith(tx: Db, releaseId: number): Promise<SubscriptionRow[]> {
  const brought = tx
    .select({ sha: releaseCommits.sha })
    .from(releaseCommits)
    .where(eq(releaseCommits.releaseId, releaseId));
  const commitSubs = await tx
    .select()
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.kind, "commit"),
        isNull(subscriptions.endedAt),
        inArray(subscriptions.subject, brought),
      ),
    )
    .for("update");
  // A PR lands with its merge commit, as the cached PR row (refreshed by lookups) names it.
  const prSubs = await tx
    .select({ sub: subscriptions })
    .from(subscriptions)
    .innerJoin(pullRequests, sql`${subscriptions.subject} = cast(${pullRequests.number} as text)`)
    .where(
      and(
        eq(subscriptions.kind, "pr"),
        isNull(subscriptions.endedAt),
        inArray(pullRequests.mergeCommitSha, brought),
      ),
    )
    .for("update", { of: subscriptions });
  return [...commitSubs, ...prSubs.map((r) => r.sub)];
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
  let written = 0;
  const heard = raised.filter((a) => CHANNEL_KINDS.has(a.kind));
  if (heard.length > 0) {
    const listeners = await tx
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.kind, "channel"),
          eq(subscriptions.subject, channel),
          isNull(subscriptions.endedAt),
        ),
      );
    for (const sub of listeners) {
      for (const alert of heard) await insertNotice(tx, sub, alert, now);
      written += heard.length;
    }
  }
  const advanced = raised.find((a) => a.kind === "advanced");
  if (advanced?.data.kind !== "advanced") return written;
  const [release] = await tx
    .select({ id: releases.id, name: releases.name })
    .from(releases)
    .where(and(eq(releases.channel, channel), eq(releases.name, advanced.data.release)));
  if (!release) return written;
  for (const sub of await landedWith(tx, release.id)) {
    if (
      await noteLanded(tx, sub, { channel, release: release.name, publicUrl: ctx.publicUrl, now })
    ) {
      written++;
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
