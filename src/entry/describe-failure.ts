const MAX_LENGTH = 2_000;

/**
 * One line for a failure that stopped a command: its message and its causes (a driver's "Failed
 * query: …" says nothing without the database's reason), and never "[object Object]".
 */
export function describeFailure(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (!(current instanceof Error)) {
      parts.push(typeof current === "object" ? JSON.stringify(current) : String(current));
      break;
    }
    if (!parts.some((p) => p.includes(current instanceof Error ? current.message : ""))) {
      parts.push(current.message);
    }
    current = current.cause;
  }
  const text = parts.join(": ");
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}
