/**
 * Values loaded from the database, kept per key until the channel read model's generation moves
 * (a flip, and every tick's recorded outcome, move it), so a page re-rendered every few seconds
 * reads memory, not the database. Concurrent calls share one load; a failed load is not kept.
 * Keys must be few and known (channel names): callers check them before loading.
 */
export function generationMemo<T>(
  generation: () => Promise<number>,
  load: (key: string) => Promise<T>,
): (key: string) => Promise<T> {
  const kept = new Map<string, { generation: number; value: Promise<T> }>();
  return async (key) => {
    const current = await generation();
    const entry = kept.get(key);
    if (entry?.generation === current) return entry.value;
    const value = load(key);
    kept.set(key, { generation: current, value });
    value.catch(() => {
      if (kept.get(key)?.value === value) kept.delete(key);
    });
    return value;
  };
}
