/**
 * The e-mail channel: the only user of nodemailer. The SMTP host is checked like every other
 * destination, and the connection goes to the checked address, with the host name kept for
 * TLS (SNI and certificate checks).
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import { PulseError } from "../../platform/errors";
import { type EgressPolicy, resolveHost } from "../egress";
import type { ChannelConfigOf } from "./config";
import { facts, headline } from "./formats";
import { failureOf, scrub } from "./http";
import type { AlertNotice, SendResult } from "./types";

type EmailConfig = ChannelConfigOf<"email">;

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");

function textBody(n: AlertNotice): string {
  const lines = [headline(n), "", n.summary, "", ...facts(n).map(([k, v]) => `${k}: ${v}`)];
  if (n.link) lines.push("", `Open in Pulse: ${n.link}`);
  if (Object.keys(n.details).length > 0) lines.push("", "Details:", JSON.stringify(n.details, null, 2));
  return `${lines.join("\n")}\n`;
}

function htmlBody(n: AlertNotice): string {
  const rows = facts(n).map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`);
  const link = n.link ? `<p><a href="${escapeHtml(n.link)}">Open in Pulse</a></p>` : "";
  const details = Object.keys(n.details).length > 0 ? `<pre>${escapeHtml(JSON.stringify(n.details, null, 2))}</pre>` : "";
  return `<!doctype html><html><body><h2>${escapeHtml(headline(n))}</h2><p>${escapeHtml(n.summary)}</p><table>${rows.join("")}</table>${link}${details}</body></html>`;
}

/** The same notice always gets the same Message-ID, so mail systems can drop a resend. */
function messageId(n: AlertNotice, from: string): string {
  const domain = from.split("@").pop() ?? "pulse.invalid";
  return `<pulse.${createHash("sha256").update(n.idempotencyKey).digest("hex").slice(0, 32)}@${domain}>`;
}

/** Permanent: rejected by the server (5xx), bad credentials, or no STARTTLS where it is required. */
function smtpFailure(err: unknown, secrets: ReadonlyArray<string | undefined>): SendResult {
  const e = err as { code?: string; responseCode?: number; message?: string };
  if (err instanceof PulseError) return failureOf(err, secrets);
  const code = e.responseCode;
  const permanent = (code !== undefined && code >= 500) || e.code === "EAUTH" || e.code === "ETLS";
  const text = `SMTP ${code ?? e.code ?? "error"}: ${e.message ?? String(err)}`;
  return { ok: false, ...(code ? { status: code } : {}), error: scrub(text.replace(/\s+/g, " "), secrets), retryable: !permanent };
}

export async function sendEmail(config: EmailConfig, n: AlertNotice, egress: EgressPolicy): Promise<SendResult> {
  const { smtp } = config;
  const secrets = [smtp.password];
  try {
    const target = await resolveHost(smtp.host, egress);
    const transport = createTransport({
      host: target.address,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: !smtp.secure && smtp.requireTls,
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? "" } } : {}),
      // The socket goes to the checked address; TLS still verifies the certificate for the name.
      tls: isIP(smtp.host) ? {} : { servername: smtp.host },
      connectionTimeout: egress.timeoutMs,
      greetingTimeout: egress.timeoutMs,
      socketTimeout: egress.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      const info = await transport.sendMail({
        from: smtp.from,
        to: n.recipients?.length ? n.recipients : config.to,
        ...(config.cc?.length ? { cc: config.cc } : {}),
        subject: headline(n),
        text: textBody(n),
        html: htmlBody(n),
        messageId: messageId(n, smtp.from),
        headers: { "X-Pulse-Event": `alert.${n.transition.toLowerCase()}`, "X-Pulse-Idempotency-Key": n.idempotencyKey },
      });
      const code = Number.parseInt(String(info.response ?? "250"), 10);
      return { ok: true, status: Number.isFinite(code) ? code : 250, retryable: false };
    } finally {
      transport.close();
    }
  } catch (err) {
    return smtpFailure(err, secrets);
  }
}
