import type { Deps } from "../deps.ts";

/** `promise`, or the signal's reason as soon as it aborts; the listener goes when either settles. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A stream that errors as soon as the signal aborts, between chunks or while waiting for one. */
function guardStream<T>(stream: ReadableStream<T>, signal: AbortSignal): ReadableStream<T> {
  const reader = stream.getReader();
  return new ReadableStream<T>({
    async pull(controller) {
      const next = await raceAbort(reader.read(), signal).catch((err: unknown) => {
        void reader.cancel(err).catch(() => undefined);
        throw err;
      });
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

function guardResult(result: unknown, signal: AbortSignal): unknown {
  return result instanceof ReadableStream ? guardStream(result, signal) : result;
}

/** Every method of `port` refuses to start, and stops waiting, once the signal aborts. */
function guardPort<T extends object>(port: T, signal: AbortSignal): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        const result: unknown = Reflect.apply(value, target, args);
        if (!(result instanceof Promise)) return result;
        return raceAbort(result, signal).then((r) => guardResult(r, signal));
      };
    },
  });
}

/**
 * The ports a release step uses, bound to the tick's lease: when the heartbeat loses the lease, the
 * step's next call (or the download it is in) fails at once instead of running on unowned.
 */
export function guardPorts(deps: Deps, signal: AbortSignal): Deps {
  return {
    ...deps,
    hydra: guardPort(deps.hydra, signal),
    git: guardPort(deps.git, signal),
    store: guardPort(deps.store, signal),
  };
}
