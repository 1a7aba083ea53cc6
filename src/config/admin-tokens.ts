import { z } from "zod";

export interface AdminToken {
  /** Who holds it: written into the audit log instead of the token. */
  label: string;
  token: string;
}

const LABEL = /^[\w.@-]{1,64}$/;
const MIN_TOKEN = 16;

/**
 * `FLOODGATE_ADMIN_TOKEN`: one or more comma-separated tokens, each `label:token` or a plain token
 * (labelled "admin"), so each operator can hold their own and the audit log says whose it was.
 */
export const AdminTokens = z.string().transform((value, ctx): AdminToken[] => {
  const tokens: AdminToken[] = [];
  for (const entry of value.split(",").map((e) => e.trim())) {
    const colon = entry.indexOf(":");
    const label = colon === -1 ? "admin" : entry.slice(0, colon);
    const token = colon === -1 ? entry : entry.slice(colon + 1);
    if (!LABEL.test(label)) {
      ctx.addIssue({
        code: "custom",
        message: `expected a label of letters, digits, . _ @ - before ":"`,
      });
      return z.NEVER;
    }
    if (token.length < MIN_TOKEN || /\s/.test(token)) {
      ctx.addIssue({
        code: "custom",
        message: `expected "token" or "label:token" entries, each token at least ${MIN_TOKEN} characters without spaces`,
      });
      return z.NEVER;
    }
    if (tokens.some((t) => t.token === token)) {
      ctx.addIssue({ code: "custom", message: "expected each token once" });
      return z.NEVER;
    }
    tokens.push({ label, token });
  }
  return tokens;
});
