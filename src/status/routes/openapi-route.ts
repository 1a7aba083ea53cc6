import { Hono } from "hono";
import { openApiDocument } from "../openapi/openapi-document.ts";

/** `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document (built once, from zod). */
export function openApiRoute(): Hono {
  return new Hono().get("/api/v1/openapi.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(openApiDocument());
  });
}
