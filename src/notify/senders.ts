/**
 * Notification channels: their settings (validated, masked, merged) and sending one alert
 * notice through one channel. Every destination goes through the egress policy.
 */
import type { EgressPolicy } from "./egress";
import { type ChannelConfig, type ChannelConfigOf, type ChannelType, parseChannelConfig } from "./senders/config";
import { sendEmail } from "./senders/email";
import { pagerDutyEvent, slackMessage, teamsMessage } from "./senders/formats";
import { failureOf, postJson, postSignedJson } from "./senders/http";
import type { AlertNotice, SendResult } from "./senders/types";

export { CHANNEL_TYPES, ChannelConfigs, parseChannelConfig } from "./senders/config";
export type { ChannelConfig, ChannelConfigOf, ChannelType } from "./senders/config";
export { headline, severityName } from "./senders/formats";
export { postSignedJson } from "./senders/http";
export { MASK, maskChannelConfig, mergeChannelConfig } from "./senders/secrets";
export type { AlertNotice, SendResult } from "./senders/types";

/** The path of a Slack or Teams webhook URL is its secret. */
const urlSecrets = (url: string) => [url, URL.canParse(url) ? new URL(url).pathname : undefined];

async function dispatch(type: ChannelType, config: ChannelConfig, n: AlertNotice, egress: EgressPolicy): Promise<SendResult> {
  switch (type) {
    case "webhook": {
      const c = config as ChannelConfigOf<"webhook">;
      const { recipients: _, ...body } = n;
      const event = `alert.${n.transition.toLowerCase()}`;
      return postSignedJson(c.url, body, { method: c.method, headers: c.headers, secret: c.secret, idempotencyKey: n.idempotencyKey, event }, egress);
    }
    case "slack":
    case "teams": {
      const { webhookUrl } = config as ChannelConfigOf<"slack">;
      const body = type === "slack" ? slackMessage(n) : teamsMessage(n);
      return postJson(webhookUrl, body, { secrets: urlSecrets(webhookUrl) }, egress);
    }
    case "pagerduty": {
      const c = config as ChannelConfigOf<"pagerduty">;
      return postJson(c.eventsUrl, pagerDutyEvent(n, c.routingKey), { secrets: [c.routingKey] }, egress);
    }
    case "email":
      return sendEmail(config as ChannelConfigOf<"email">, n, egress);
  }
}

/**
 * Sends one notice; never throws. The config is validated again here, so a row written before
 * a schema change fails as a permanent error rather than with a crash mid-send.
 */
export async function sendNotice(type: ChannelType, config: ChannelConfig, n: AlertNotice, egress: EgressPolicy): Promise<SendResult> {
  try {
    return await dispatch(type, parseChannelConfig(type, config), n, egress);
  } catch (err) {
    return failureOf(err, []);
  }
}
