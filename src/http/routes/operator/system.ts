/**
 * The operator's system health page: which role processes run (from their heartbeats), the
 * bus backlog per stream, the database's size and connections, the ingest rate and open
 * alerts. Each call is recorded in the operator audit log like every operator read.
 */
import { z } from "zod";
import { STREAMS, type Bus } from "../../../platform/bus/bus";
import type { Tx } from "../../../platform/db";
import { HEARTBEAT_MS } from "../../../platform/heartbeat";
import * as sys from "../../../platform/system-queries";
import { route } from "../../api/route";
import { Timestamp, Uuid } from "../../api/schemas";

const count = z.number().int().nonnegative();

const SystemHealth = z.object({
  roles: z.array(z.object({
    role: z.string(),
    instanceId: Uuid,
    host: z.string(),
    pid: z.number().int(),
    version: z.string(),
    startedAt: Timestamp,
    lastSeenAt: Timestamp,
    up: z.boolean().describe("a heartbeat within the last three of its intervals"),
    info: z.record(z.string(), z.unknown()).describe("what the process says about itself: heartbeatMs, the parts of `pulse up`"),
  })),
  bus: z.array(z.object({
    stream: z.string(),
    pending: count.nullable().describe("not yet delivered to its consumer; null when the bus did not answer"),
    inFlight: count.nullable().describe("delivered, not yet acknowledged"),
    error: z.string().nullable(),
  })).describe("empty when this server has no bus"),
  database: z.object({
    sizeBytes: z.number(),
    tables: z.array(z.object({ name: z.string(), bytes: z.number() })).describe("the 8 largest, with their partitions, indexes and TOAST"),
    connections: count,
  }),
  ingest: z.object({
    perSecond1m: z.number().describe("messages stored per second over the last whole minute"),
    perSecond15m: z.number().describe("the same over the last 15 whole minutes"),
    quarantinedLastHour: count,
  }),
  alerts: z.object({ open: count, acknowledged: count }),
});

const snapshot = async (tx: Tx) => {
  const [roles, database, ingest, alerts] = await Promise.all([sys.listInstances(tx, HEARTBEAT_MS), sys.databaseStats(tx), sys.ingestRates(tx), sys.alertCounts(tx)]);
  return { roles, database, ingest, alerts };
};

/** Each stream's backlog; a stream the bus cannot report on says why instead of failing the page. */
const backlog = (bus: Bus | undefined) =>
  Promise.all(
    (bus ? STREAMS : []).map(({ key }) =>
      bus!.backlog(key).then(
        (b) => ({ stream: key, pending: b.pending, inFlight: b.inFlight, error: null }),
        (err: unknown) => ({ stream: key, pending: null, inFlight: null, error: err instanceof Error ? err.message : String(err) }),
      ),
    ),
  );

export const systemRoutes = [
  route({
    method: "get",
    path: "/api/v1/operator/system",
    summary: "System health: role processes up or down, bus backlog, database size, ingest rate, open alerts",
    tag: "operator",
    access: "operator-read",
    response: SystemHealth,
    handler: async ({ operator, deps }) => {
      const [state, bus] = await Promise.all([operator("system.read", null, snapshot), backlog(deps.bus)]);
      return { ...state, bus };
    },
  }),
];
