import type { AlertRow } from "../db/schema.ts";
import type { AlertData, FailingConstituent } from "./alert-types.ts";

/** Links a message needs: the status page, Hydra and the GitHub repository. */
export interface MessageLinks {
  publicUrl: string;
  hydraUrl: string;
  /** e.g. https://github.com/NixOS/nixpkgs */
  repoUrl: string;
}

// Slack mrkdwn treats only these three as control characters.
export const escapeMrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const link = (url: string, label: string) => `<${url}|${escapeMrkdwn(label)}>`;

const ICON: Record<AlertData["kind"], string> = {
  advanced: ":white_check_mark:",
  blocked: ":no_entry:",
  stuck: ":hourglass:",
  "pipeline-failed": ":warning:",
  recovered: ":arrow_forward:",
  digest: ":memo:",
  admin: ":lock:",
  landed: ":package:",
};

const MAX_LISTED = 10;
// A section's text may hold 3000 characters; stay well below.
const clip = (text: string) => (text.length > 2800 ? `${text.slice(0, 2797)}...` : text);

function verdictText(verdict: FailingConstituent["verdict"]): string {
  if (!verdict) return "";
  const range = verdict.compareUrl ? ` (${link(verdict.compareUrl, "first-bad range")})` : "";
  const prs = (verdict.pulls ?? []).map((p) => link(p.url, `#${p.number}`)).join(" ");
  return `: ${escapeMrkdwn(verdict.text)}${range}${prs ? ` ${prs}` : ""}`;
}

function constituentList(failing: FailingConstituent[]): string {
  const lines = failing
    .slice(0, MAX_LISTED)
    .map((f) => `• ${link(f.url, f.job)} (${escapeMrkdwn(f.statusText)})${verdictText(f.verdict)}`);
  if (failing.length > MAX_LISTED) lines.push(`…and ${failing.length - MAX_LISTED} more`);
  return lines.join("\n");
}

function details(data: AlertData, links: MessageLinks): string | null {
  switch (data.kind) {
    case "advanced": {
      const parts = [
        data.revision
          ? `revision ${link(`${links.repoUrl}/commit/${data.revision}`, data.revision.slice(0, 12))}`
          : null,
        data.commitCount === null ? null : `${data.commitCount} new commits`,
        data.revisionAgeSeconds === null
          ? null
          : `revision ${Math.round(data.revisionAgeSeconds / 3600)} h old`,
        data.evalId ? link(`${links.hydraUrl}/eval/${data.evalId}`, `eval ${data.evalId}`) : null,
      ].filter((p) => p !== null);
      const prs = data.notablePrs.map((pr) => `• ${link(pr.url, `#${pr.number} ${pr.title}`)}`);
      return [parts.join(" · "), ...prs].join("\n");
    }
    case "blocked":
      return data.failing.length ? constituentList(data.failing) : escapeMrkdwn(data.detail);
    case "digest":
      return constituentList(data.failing);
    case "pipeline-failed":
      return `\`${escapeMrkdwn(data.code)}\` ${escapeMrkdwn(data.message)}`;
    case "admin":
      return data.reason
        ? `reason: ${escapeMrkdwn(data.reason)} (by ${escapeMrkdwn(data.actor)})`
        : null;
    default:
      return null;
  }
}

function hydraContext(data: AlertData, links: MessageLinks): string | null {
  if ((data.kind === "blocked" || data.kind === "digest") && data.evalId !== null) {
    return link(`${links.hydraUrl}/eval/${data.evalId}`, `Hydra eval ${data.evalId}`);
  }
  return null;
}

/** A Block Kit message: headline linking the channel page, what fails or changed, then links. */
export function slackMessage(alert: AlertRow, links: MessageLinks) {
  // The row's data was written from an AlertData by enqueueAlert.
  const data = alert.data as AlertData;
  const page = `${links.publicUrl}/channels/${encodeURIComponent(alert.channel)}`;
  const headline = `${ICON[data.kind]} ${link(page, alert.channel)}: ${escapeMrkdwn(
    alert.summary.startsWith(alert.channel)
      ? alert.summary.slice(alert.channel.length).trim()
      : alert.summary,
  )}`;
  const body = details(data, links);
  const context = [link(page, "status page"), hydraContext(data, links)].filter((c) => c !== null);
  return {
    text: escapeMrkdwn(alert.summary),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: clip(headline) } },
      ...(body ? [{ type: "section", text: { type: "mrkdwn", text: clip(body) } }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: context.join(" · ") }] },
    ],
  };
}
