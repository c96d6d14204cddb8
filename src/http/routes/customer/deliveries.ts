/** The delivery log: every notice sent or tried, one row per (alert transition, channel). */
import { z } from "zod";
import { listDeliveries } from "../../../notify/delivery-log-queries";
import { DELIVERY_STATUSES as STATUSES, IsoTime } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { listParam, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";

const Delivery = z.object({
  deliveryId: z.number().int(),
  alertId: z.number().int().nullable(),
  channelId: Uuid.nullable().describe("Null once the channel is deleted"),
  channelName: z.string().nullable(),
  channelType: z.string(),
  transition: z.string(),
  level: z.number().int(),
  recipients: z.array(z.string()),
  status: z.enum(STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  responseStatus: z.number().int().nullable(),
  createdAt: Timestamp,
  sentAt: Timestamp.nullable(),
});

export const deliveryRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/notification-deliveries",
    summary: "The delivery log, newest first",
    tag: "notifications",
    access: "tenant-read",
    query: PageQuery.extend({
      alertId: z.coerce.number().int().positive().optional(),
      channelId: Uuid.optional(),
      status: listParam(z.enum(STATUSES)),
      from: IsoTime.optional(),
      to: IsoTime.optional(),
    }).refine((f) => !f.from || !f.to || f.from < f.to, { error: "from must be before to", path: ["from"] }),
    response: page(Delivery),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => listDeliveries(tx, query))), limit: query.limit, offset: query.offset }),
  }),
];
