import { describe, expect, test } from "bun:test";
import { compact, configToForm, emptyConfigForm, formToConfig, textToHeaders } from "./channel-config";

describe("channel config forms", () => {
  test("a new webhook sends what was typed; empty optional fields are left out", () => {
    const f = { ...emptyConfigForm(), url: " https://hooks.example.com/in ", headers: "X-Team: ops\n\nAuthorization: Bearer abc" };
    expect(compact(formToConfig("webhook", f, false))).toEqual({
      url: "https://hooks.example.com/in",
      method: "POST",
      headers: { "X-Team": "ops", Authorization: "Bearer abc" },
    });
  });

  test("editing a masked webhook: stored secret and header values are kept unless changed or removed", () => {
    const masked = { url: "https://hooks.example.com/in", method: "PUT", headers: { Authorization: "***" }, secret: "***" };
    const { form, stored } = configToForm("webhook", masked);
    expect(stored).toEqual({ secret: true, password: false, masked: null });
    expect(form.secret).toBe("");
    expect(form.headers).toBe("Authorization: ***");
    expect(compact(formToConfig("webhook", form, true))).toEqual({ url: masked.url, method: "PUT", headers: { Authorization: "***" } });
    expect(compact(formToConfig("webhook", { ...form, removeSecret: true }, true))).toEqual({ url: masked.url, method: "PUT", headers: { Authorization: "***" }, secret: null });
    expect(formToConfig("webhook", { ...form, secret: "a-new-secret-of-16+" }, true).secret).toBe("a-new-secret-of-16+");
    expect(formToConfig("webhook", { ...form, headers: "" }, true).headers).toEqual({});
  });

  test("slack, teams and PagerDuty keep their masked secret when the field is left empty", () => {
    const slack = configToForm("slack", { webhookUrl: "https://hooks.slack.com/***" });
    expect(slack.stored.masked).toBe("https://hooks.slack.com/***");
    expect(compact(formToConfig("slack", slack.form, true))).toEqual({});
    expect(formToConfig("teams", { ...slack.form, webhookUrl: "https://x.example/h" }, true)).toEqual({ webhookUrl: "https://x.example/h" });
    expect(formToConfig("slack", emptyConfigForm(), false)).toEqual({ webhookUrl: "" });
    const pd = configToForm("pagerduty", { routingKey: "***abcd", eventsUrl: "https://events.pagerduty.com/v2/enqueue" });
    expect(pd.stored.masked).toBe("***abcd");
    expect(compact(formToConfig("pagerduty", pd.form, true))).toEqual({ eventsUrl: "https://events.pagerduty.com/v2/enqueue" });
  });

  test("e-mail: lists split on commas and lines, the port becomes a number, a stored password is kept", () => {
    const { form, stored } = configToForm("email", {
      smtp: { host: "smtp.example.com", port: 465, secure: true, requireTls: true, username: "u", password: "***", from: "pulse@example.com" },
      to: ["a@example.com", "b@example.com"],
    });
    expect(stored.password).toBe(true);
    expect(form.to).toBe("a@example.com, b@example.com");
    expect(compact(formToConfig("email", { ...form, cc: "c@example.com\n d@example.com" }, true))).toEqual({
      smtp: { host: "smtp.example.com", port: 465, secure: true, requireTls: true, username: "u", from: "pulse@example.com" },
      to: ["a@example.com", "b@example.com"],
      cc: ["c@example.com", "d@example.com"],
    });
    expect(formToConfig("email", { ...form, smtpPort: "twenty" }, true).smtp).toMatchObject({ port: "twenty" });
    expect(formToConfig("email", { ...form, removePassword: true }, true).smtp).toMatchObject({ password: null });
  });

  test("header lines without a colon are sent as given, for the API to name", () => {
    expect(textToHeaders("Bad header line\nX-Ok: 1")).toEqual({ "Bad header line": "", "X-Ok": "1" });
  });
});
