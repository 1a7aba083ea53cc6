import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { BadRequestError } from "../../../errors.ts";

export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export const limitAdminBody: MiddlewareHandler = bodyLimit({
  maxSize: MAX_ADMIN_BODY_BYTES,
  onError: (c) =>
    c.json(
      {
        error: {
          code: "PAYLOAD_TOO_LARGE",
          message: `admin request bodies are at most ${MAX_ADMIN_BODY_BYTES} bytes`,
        },
      },
      413,
    ),
});

/** The JSON body, or undefined when there is none (actions without input need no body). */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("the body is not JSON");
  }
}
