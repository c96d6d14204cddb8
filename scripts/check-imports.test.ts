import { expect, test } from "bun:test";
import { checkEdge, checkPackage, checkRepository } from "./check-imports";

test("the repository keeps its module boundaries", () => {
  expect(checkRepository()).toEqual([]);
});

test("boundary rules", () => {
  expect(checkEdge("src/platform/db.ts", "src/devices/service.ts")).toContain("knows no domain");
  expect(checkEdge("src/devices/service.ts", "cmd/pulse.ts")).toContain("cmd/");
  expect(checkEdge("src/http/app.ts", "src/workers/ingest/handler.ts")).toContain("never import each other");
  expect(checkEdge("src/workers/ingest/main.ts", "src/workers/bridge/main.ts")).toContain("may not import worker bridge");
  expect(checkEdge("src/alerts/service.ts", "src/devices/queries.ts")).toContain("service.ts");
  expect(checkEdge("src/alerts/service.ts", "src/devices/service.ts")).toBeNull();
  expect(checkEdge("src/devices/service.ts", "src/testing/db.ts")).toContain("tests only");
  expect(checkEdge("src/devices/service.test.ts", "src/testing/db.ts")).toBeNull();
  expect(checkEdge("cmd/serve.ts", "src/http/app.ts")).toBeNull();
  expect(checkEdge("cmd/pulse.ts", "cmd/serve.ts")).toBeNull();
  expect(checkEdge("src/testing/db.ts", "src/platform/db.ts")).toBeNull();
  expect(checkEdge("cmd/user.ts", "src/identity/service.ts")).toBeNull();
  expect(checkEdge("cmd/user.ts", "src/identity/schema.ts")).toBeNull();
  expect(checkEdge("cmd/user.ts", "src/identity/users.ts")).toContain("only through its service.ts or schema.ts");
  expect(checkEdge("src/http/app.ts", "src/up/main.ts")).toContain("only cmd/");
});

test("each engine is imported in one place", () => {
  expect(checkPackage("src/devices/queries.ts", "postgres")).toContain("src/platform/db.ts");
  expect(checkPackage("src/platform/db.ts", "postgres")).toBeNull();
  expect(checkPackage("src/workers/ingest/main.ts", "@nats-io/jetstream")).toContain("Bus");
  expect(checkPackage("src/devices/routes.ts", "hono/bun")).toContain("src/http");
  expect(checkPackage("src/http/app.ts", "hono")).toBeNull();
});
