import { seededRandom } from "./hydra-json.ts";

/** Every kind of upstream misbehaviour the chaos mode injects. */
export const CHAOS_KINDS = [
  "rate-limit",
  "server-error",
  "reset",
  "slow",
  "truncated",
  "malformed-json",
  "wrong-sha256",
  "force-push",
  "cache-timeout",
] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];
export type Upstream = "hydra" | "github" | "cache";

export interface ChaosOptions {
  seed?: number;
  /** Share of requests (0–1) that get a fault while chaos is on. */
  rate?: number;
  enabled?: boolean;
  /** How long a `slow` answer waits before it is served. */
  slowMs?: number;
  /** How long a `cache-timeout` holds the request before answering 504. */
  timeoutMs?: number;
  /** Only these kinds (default all). */
  kinds?: readonly ChaosKind[];
}

export interface Chaos {
  /** Switchable at runtime: off, every request is served as the model says. */
  enabled: boolean;
  rate: number;
  readonly slowMs: number;
  readonly timeoutMs: number;
  /** Faults injected so far, by kind (only kinds that fired). */
  readonly counts: Partial<Record<ChaosKind, number>>;
  /** Faults injected so far, by upstream and kind, e.g. `hydra reset`. */
  readonly byUpstream: Record<string, number>;
  /** Whether this request gets a fault and which; counted when it does. */
  pick(upstream: Upstream, method: string, path: string): ChaosKind | undefined;
}

const isHydraProduct = (path: string) => /^\/build\/\d+\/download\/\d+\/./.test(path);
const isNar = (path: string) => path.startsWith("/nar/");
const isBranchRead = (method: string, path: string) =>
  method === "GET" && /\/(branches\/|git\/ref\/heads\/)/.test(path);

/** Which faults make sense for a request: a wrong sha256 only on products, JSON only on JSON… */
function kindsFor(upstream: Upstream, method: string, path: string): ChaosKind[] {
  const common: ChaosKind[] = ["server-error", "reset", "slow", "truncated"];
  if (upstream === "hydra") {
    const body: ChaosKind = isHydraProduct(path) ? "wrong-sha256" : "malformed-json";
    return [...common, "rate-limit", body];
  }
  if (upstream === "github") {
    const reads: ChaosKind[] = method === "GET" ? ["malformed-json"] : [];
    return [
      ...common,
      "rate-limit",
      ...reads,
      ...(isBranchRead(method, path) ? ["force-push" as const] : []),
    ];
  }
  return [...common, "cache-timeout", ...(isNar(path) ? ["wrong-sha256" as const] : [])];
}

/** A seeded source of upstream faults the fake Hydra, GitHub and binary cache consult. */
export function createChaos(opts: ChaosOptions = {}): Chaos {
  const rand = seededRandom(opts.seed ?? 1);
  const counts: Partial<Record<ChaosKind, number>> = {};
  const byUpstream: Record<string, number> = {};
  return {
    enabled: opts.enabled ?? true,
    rate: opts.rate ?? 0.1,
    slowMs: opts.slowMs ?? 1_500,
    timeoutMs: opts.timeoutMs ?? 20_000,
    counts,
    byUpstream,
    pick(upstream, method, path) {
      if (!this.enabled || rand() >= this.rate) return undefined;
      const kinds = kindsFor(upstream, method.toUpperCase(), path).filter(
        (k) => !opts.kinds || opts.kinds.includes(k),
      );
      const kind = kinds[Math.floor(rand() * kinds.length)];
      if (kind === undefined) return undefined;
      counts[kind] = (counts[kind] ?? 0) + 1;
      const key = `${upstream} ${kind}`;
      byUpstream[key] = (byUpstream[key] ?? 0) + 1;
      return kind;
    },
  };
}

/** The same bytes with one flipped, so the length holds and the sha256 does not. */
export function flippedByte(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(body);
  const at = Math.floor(copy.byteLength / 2);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
