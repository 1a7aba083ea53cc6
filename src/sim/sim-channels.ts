/** The release branch the simulator's stable flow plays. */
export const RELEASE = "26.05";

/**
 * Every channel the simulator plays, in the channels file's shape and in the order the branch
 * flow lists them; the demo, the flows and the tests pick from this one list by name.
 */
export const simChannels = [
  {
    name: "nixos-unstable",
    job: "nixos/unstable/tested",
    variant: "primary",
    status: "rolling",
    sourceBranch: "master",
    productJob: "nixos.channel",
  },
  {
    name: "nixos-unstable-small",
    job: "nixos/unstable-small/tested",
    variant: "small",
    status: "rolling",
    sourceBranch: "master",
    productJob: "nixos.channel",
  },
  {
    name: "nixpkgs-unstable",
    job: "nixpkgs/unstable/unstable",
    status: "rolling",
    sourceBranch: "master",
    productJob: "tarball",
  },
  {
    name: `nixos-${RELEASE}`,
    job: `nixos/release-${RELEASE}/tested`,
    variant: "primary",
    status: "stable",
    sourceBranch: `release-${RELEASE}`,
    productJob: "nixos.channel",
  },
  {
    name: `nixos-${RELEASE}-small`,
    job: `nixos/release-${RELEASE}-small/tested`,
    variant: "small",
    status: "stable",
    sourceBranch: `release-${RELEASE}`,
    productJob: "nixos.channel",
  },
  {
    name: `nixpkgs-${RELEASE}-darwin`,
    job: `nixpkgs/nixpkgs-${RELEASE}-darwin/darwin-tested`,
    variant: "darwin",
    status: "stable",
    sourceBranch: `release-${RELEASE}`,
    productJob: "tarball",
  },
];

export type SimChannel = (typeof simChannels)[number];

/** One of `simChannels` by name; an unknown name is a mistake in the caller, so it throws. */
export function simChannel(name: string): SimChannel {
  const found = simChannels.find((c) => c.name === name);
  if (!found) throw new Error(`simulator: no channel named ${name}`);
  return found;
}
