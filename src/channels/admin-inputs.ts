import { z } from "zod";
import type { AdminAction } from "../db/schema.ts";
import { BadRequestError } from "../errors.ts";

const Reason = z.string().trim().min(1, "expected a non-empty reason").max(1000);
const Name = z.string().trim().min(1).max(300);

/** What each admin action takes, the same for a JSON body and CLI flags. */
export const AdminInputs = {
  freeze: z.object({ reason: Reason }),
  unfreeze: z.object({ reason: Reason.optional() }),
  pin: z.object({ release: Name, reason: Reason.optional() }),
  unpin: z.object({ reason: Reason.optional() }),
  retry: z.object({ reason: Reason.optional() }),
  accept: z.object({
    eval: z.number().int().positive(),
    constituents: z.array(Name).min(1, "expected at least one constituent").max(1000),
    reason: Reason,
  }),
} satisfies Record<AdminAction, z.ZodType>;

export type AdminInput<A extends AdminAction> = z.infer<(typeof AdminInputs)[A]>;

/** Parses an action's input, or a BadRequestError naming each field and what was expected. */
export function parseAdminInput<A extends AdminAction>(action: A, raw: unknown): AdminInput<A> {
  const parsed = AdminInputs[action].safeParse(raw ?? {});
  // safe because AdminInputs[action] is the schema AdminInput<A> is inferred from.
  if (parsed.success) return parsed.data as AdminInput<A>;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  throw new BadRequestError(`${action}: ${issues.join("; ")}`, { action });
}
