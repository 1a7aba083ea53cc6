import { deliverPendingAlerts } from "../alerts/deliver-alerts.ts";
import type { AdminResult } from "../channels/admin-action.ts";
import { tickChannel } from "../channels/tick-channel.ts";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import type { Simulator } from "../sim/simulator.node.ts";
import { describeAdminResult } from "./admin-command.node.ts";

const FLAKY_TEST = "nixos.tests.installer.simple.x86_64-linux";

interface OperatorDemo {
  sim: Simulator;
  deps: Deps;
  spec: ChannelSpec;
  url: string;
  token: string;
  print: (line: string) => void;
  mark: (o: TickOutcome) => string;
}

/**
 * The operator's part of the demo: freeze, pin and accept through the admin API as an operator
 * would call it, each followed by a tick of the channel and what it shows.
 */
export async function playOperatorSteps(
  d: OperatorDemo,
  firstNumber: number,
): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  let n = firstNumber;
  const step = (title: string) => d.print(`${n++}. ${title}`);
  let seenAlert = await newestAlertId(d);
  // What the channel's Slack would get: alerts from the tick and from the action, once each.
  const alerts = async () => {
    await deliverPendingAlerts(d.deps);
    const res = await fetch(`${d.url}/api/v1/alerts?channel=${d.spec.name}&limit=20`);
    // safe because /api/v1/alerts answers with alertViews' JSON.
    const { alerts: rows } = (await res.json()) as {
      alerts: { id: number; kind: string; summary: string }[];
    };
    for (const a of rows.filter((r) => r.id > seenAlert).reverse()) {
      d.print(`   🔔 ${a.kind}: ${a.summary}`);
    }
    seenAlert = Math.max(seenAlert, ...rows.map((r) => r.id));
  };
  const tick = async () => {
    const o = await tickChannel(d.deps, d.spec);
    outcomes.push(o);
    d.print(`   ${d.mark(o)} ${o.summary}`);
    await alerts();
    return o;
  };
  const admin = async (action: string, body?: unknown) => {
    d.print(
      `   $ POST /api/v1/channels/${d.spec.name}/${action}${body ? ` ${JSON.stringify(body)}` : ""}`,
    );
    const res = await fetch(`${d.url}/api/v1/channels/${d.spec.name}/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${d.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await res.json()) as AdminResult;
    d.print(`   ⚑ ${res.status === 200 ? describeAdminResult(answer) : JSON.stringify(answer)}`);
    await alerts();
  };
  const served = async () => {
    const res = await fetch(`${d.url}/${d.spec.name}`, { redirect: "manual" });
    const release = (res.headers.get("location") ?? "").split("/").at(-1);
    const head = d.sim.github.model.branchHead(d.spec.branch)?.slice(0, 12);
    d.print(`   → /${d.spec.name} serves ${release}; branch ${d.spec.branch} is at ${head}`);
  };
  const passingEval = async (topic: string, failing: Record<string, number> = {}) => {
    d.sim.github.model.commit(d.spec.sourceBranch, topic);
    const ev = await d.sim.evaluate(d.spec);
    d.sim.hydra.model.finishEval(ev.evalId, failing);
    return ev;
  };

  step("an operator freezes nixos-unstable for a staging-next merge; a new eval passes meanwhile");
  await admin("freeze", { reason: "staging-next merge in progress" });
  await passingEval("staging-next: merge (1/1)");
  await tick();
  step("the merge is done: the operator unfreezes it");
  await admin("unfreeze");
  await tick();
  await served();

  step("users report a regression: the operator pins the previous release; another eval passes");
  const page = await fetch(`${d.url}/api/v1/channels/${d.spec.name}`);
  // safe because the channel API answers with channelDetail's JSON.
  const detail = (await page.json()) as { releases: { name: string; state: string }[] };
  const previous = detail.releases.filter((r) => r.state === "published")[1];
  await admin("pin", { release: previous?.name, reason: "firefox crashes on start (#4711)" });
  await served();
  await passingEval("firefox: fix crash on start");
  await tick();
  step("the fix is in: the operator unpins, and the channel moves on");
  await admin("unpin");
  await served();
  await tick();

  step(`the next eval fails ${FLAKY_TEST}, a known flake: the operator accepts it for this eval`);
  const flaky = await passingEval("linux: 6.18.2 -> 6.18.3", { [FLAKY_TEST]: 1 });
  await tick();
  await admin("accept", {
    eval: flaky.evalId,
    constituents: [FLAKY_TEST],
    reason: "flaky since 2026-11, tracked in #4712",
  });
  await tick();
  return outcomes;
}

async function newestAlertId(d: OperatorDemo): Promise<number> {
  const res = await fetch(`${d.url}/api/v1/alerts?channel=${d.spec.name}&limit=1`);
  // safe because /api/v1/alerts answers with alertViews' JSON.
  const { alerts } = (await res.json()) as { alerts: { id: number }[] };
  return alerts[0]?.id ?? 0;
}
