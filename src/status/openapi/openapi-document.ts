import { OpenAPIHono } from "@hono/zod-openapi";
import { apiRoutes } from "./api-routes.ts";

export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

let built: OpenApiDocument | undefined;

/** `/api/v1/openapi.json`: OpenAPI 3.1 from the routes' zod schemas, built once per process. */
export function openApiDocument(): OpenApiDocument {
  if (built) return built;
  const doc = new OpenAPIHono();
  doc.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "One of FLOODGATE_ADMIN_TOKEN's tokens",
  });
  for (const route of apiRoutes) doc.openAPIRegistry.registerPath(route);
  built = doc.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "floodgate",
      version: "1",
      description:
        "Nix channel status: each channel's release, lag and why it is blocked, where a commit or PR has landed, alerts, and the admin actions.",
    },
  });
  return built;
}
