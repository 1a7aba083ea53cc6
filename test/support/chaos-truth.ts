import { execFileSync } from "node:child_process";
import type { ChannelSpec } from "../../src/config/channels-file.ts";
import type { SimEval, Simulator } from "../../src/sim/simulator.node.ts";

/** What the simulator knows happened, to judge floodgate's advances against. */
export interface GroundTruth {
  /** Every eval the run created, by channel. */
  evals: Map<string, SimEval[]>;
}

/** Whether Hydra (the model, now) has the eval's aggregate and every constituent finished and passed. */
export function evalPassed(sim: Simulator, ev: SimEval): boolean {
  const model = sim.hydra.model;
  const aggregate = model.build(ev.aggregateId);
  const passed = (b: { finished: boolean; buildstatus: number | null } | undefined) =>
    b?.finished === true && b.buildstatus === 0;
  return passed(aggregate) && model.constituents(ev.aggregateId).every(passed);
}

/**
 * Why moving `spec` from `previous` to `release` would be wrong, or null when it is right: the
 * release must be of an eval that passed, and a descendant of what the channel served before.
 */
export function wrongAdvance(
  sim: Simulator,
  truth: GroundTruth,
  spec: ChannelSpec,
  previous: string | null,
  release: { name: string; revision: string },
): string | null {
  // Two evals of one revision share a release name: the release is right if one of them passed.
  const evals = truth.evals.get(spec.name)?.filter((e) => e.releaseName === release.name) ?? [];
  if (!evals.length) return `${spec.name}: ${release.name} is no eval the simulator made`;
  if (evals.some((e) => e.revision !== release.revision)) {
    return `${spec.name}: ${release.name} at ${release.revision}, not its eval's revision`;
  }
  if (!evals.some((e) => evalPassed(sim, e))) {
    return `${spec.name}: ${release.name}: none of its evals (${evals.map((e) => e.evalId).join(", ")}) passed`;
  }
  if (previous && previous !== release.revision) {
    if (!sim.github.model.isAncestor(previous, release.revision)) {
      return `${spec.name}: ${release.revision} does not descend from ${previous} (backwards)`;
    }
  }
  return null;
}

/** Every branch update floodgate sent that GitHub took, judged: fast-forward only, tested only. */
export function wrongBranchUpdates(
  sim: Simulator,
  truth: GroundTruth,
  channels: ChannelSpec[],
  since: number,
): { checked: number; wrong: string[] } {
  const wrong: string[] = [];
  // Octokit sends the ref percent-encoded (`refs/heads%2Fnixos-unstable`).
  const updates = sim.github.requests
    .slice(since)
    .map((r) => ({ ...r, path: decodeURIComponent(r.path) }))
    .filter((r) => r.method === "PATCH" && r.path.includes("/git/refs/heads/") && r.status === 200);
  for (const update of updates) {
    const branch = decodeURIComponent(update.path.split("/git/refs/heads/")[1] ?? "");
    const body = (update.body ?? {}) as { sha?: string; force?: boolean };
    const spec = channels.find((c) => c.branch === branch);
    if (body.force === true) wrong.push(`PATCH ${branch} with force: true`);
    const evals = truth.evals.get(spec?.name ?? "") ?? [];
    const tested = evals.some((e) => e.revision === body.sha && evalPassed(sim, e));
    if (!tested) wrong.push(`PATCH ${branch} to ${body.sha ?? "?"}: no passed eval at it`);
  }
  return { checked: updates.length, wrong };
}

/** The `default.nix` inside a served `nixexprs.tar.xz`: the simulator writes the release name in it. */
export function defaultNixOf(tarXz: Uint8Array): string {
  try {
    return execFileSync("tar", ["-xJO", "--wildcards", "*/default.nix"], {
      input: tarXz,
      maxBuffer: 1 << 26,
      stdio: ["pipe", "pipe", "ignore"],
    }).toString();
  } catch {
    return "";
  }
}
