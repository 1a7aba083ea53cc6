/**
 * Concurrent calls with one key share the one load in flight; a call after it settled starts a
 * new one (nothing is kept). So a burst of requests for one page costs one set of queries, not
 * one per request, and no answer is older than the request's arrival by more than one load.
 */
export function sharedLoad<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key) => {
    const running = inFlight.get(key);
    if (running) return running;
    const started = load(key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
