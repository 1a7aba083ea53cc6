/** What every simulator fault matches on: the next `times` requests whose path (with query) matches. */
export interface FaultMatch {
  path: RegExp;
  method?: string;
  /** How many matching requests the fault takes; default 1. */
  times?: number;
}

export interface Fault<R extends FaultMatch> {
  readonly rule: R;
  remaining: number;
  hits: number;
}

export interface FaultList<R extends FaultMatch> {
  add(rule: R): Fault<R>;
  clear(): void;
  readonly active: readonly Fault<R>[];
  /** The first active fault for a request, consumed; undefined when none matches. */
  take(method: string, path: string): Fault<R> | undefined;
}

/** Faults the fake Hydra and the fake GitHub inject, so tests can script upstream failures. */
export function createFaultList<R extends FaultMatch>(): FaultList<R> {
  let faults: Fault<R>[] = [];
  const active = () => faults.filter((f) => f.remaining > 0);
  return {
    add(rule) {
      const fault: Fault<R> = { rule, remaining: rule.times ?? 1, hits: 0 };
      faults.push(fault);
      return fault;
    },
    clear() {
      faults = [];
    },
    get active() {
      return active();
    },
    take(method, path) {
      const fault = active().find(
        (f) => f.rule.path.test(path) && (!f.rule.method || f.rule.method.toUpperCase() === method),
      );
      if (fault) {
        fault.remaining--;
        fault.hits++;
      }
      return fault;
    },
  };
}
