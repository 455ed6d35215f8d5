import nodemailer, { type Transporter } from 'nodemailer';
import type { EgressPolicy } from '../net/egress-policy.js';
import { checkHost } from '../net/guarded-fetch.js';
import type { MailMessage, MailSender } from '../tasks/task-type.js';

/** Settings of the SMTP sender, from `WEIR_SMTP_URL` and `WEIR_SMTP_FROM`. */
export interface SmtpMailSenderOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when the server offers it) or `smtps://` (TLS from the start). */
  url: string;
  /** The sender of messages that name none; null makes such messages fail. */
  defaultFrom: string | null;
  /** The SMTP host must pass it like a callout's (`WEIR_CALLOUT_ALLOW` for a relay on 127.0.0.1). */
  egress: EgressPolicy;
}

/**
 * Connection budgets. nodemailer's defaults (2 min to connect, 10 min idle socket) would hold a
 * task instance far longer than any working server needs.
 */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 } as const;

/**
 * `MailSender` over SMTP with nodemailer: one pooled transport per Weir process, so a workflow
 * sending many mails reuses its connections. Credentials stay inside the transport: nodemailer's
 * logger is off, and failures are reported by the server's answer, never with the URL.
 */
export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpMailSenderOptions) {
    this.transport = nodemailer.createTransport({ url: options.url, pool: true, logger: false, ...TIMEOUTS });
  }

  async send(message: MailMessage): Promise<{ messageId: string; accepted: string[] }> {
    const from = message.from ?? this.options.defaultFrom;
    if (from === null) throw new Error('the e-mail has no sender: set email.from on the task, or WEIR_SMTP_FROM.');
    // Checked at each send, as the pool may open a new connection for it. nodemailer resolves the
    // name again itself: the SMTP host is the operator's setting, not a workflow's, so the window
    // between the two lookups is accepted.
    await checkHost(this.options.egress, new URL(this.options.url).hostname);
    const info = await this.transport.sendMail({
      from,
      to: message.to,
      cc: message.cc,
      bcc: message.bcc,
      ...(message.replyTo !== null ? { replyTo: message.replyTo } : {}),
      subject: message.subject,
      html: message.html,
    });
    const accepted = (info.accepted as (string | { address: string })[]).map((a) =>
      typeof a === 'string' ? a : a.address,
    );
    return { messageId: String(info.messageId), accepted };
  }

  /** Closes the pooled connections (at shutdown). */
  close(): void {
    this.transport.close();
  }
}
