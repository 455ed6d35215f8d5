import { describe, expect, it } from 'vitest';
import { Email } from './email.js';
import type { MailMessage, MailSender } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

/** A MailSender that records what it was given and answers like an SMTP server that accepted all. */
function recordingSender(): MailSender & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    send: async (message) => {
      sent.push(message);
      return { messageId: '<1@weir.test>', accepted: [...message.to, ...message.cc, ...message.bcc] };
    },
  };
}

const data = { Account: { Name: 'Acme', Email: 'billing@acme.test', Team: 'a@acme.test, b@acme.test' } };
const email = {
  to: ['{{ Data.Account.Email }}'],
  cc: ['{{ Data.Account.Team }}', ''],
  bcc: ['audit@weir.test'],
  from: 'Weir <noreply@weir.test>',
  reply_to: 'support@weir.test',
  subject: 'Invoice for {{ Data.Account.Name }}\n',
  template: '<p>Hello {{ Data.Account.Name }}</p>',
};

function context(parameters: Record<string, unknown>, mail: MailSender | null) {
  const made = makeContext(Email, parameters, { data });
  return { ...made, ctx: { ...made.ctx, mail } };
}

describe('Email', () => {
  it('renders the message, sends it and writes Data.Email', async () => {
    const mail = recordingSender();
    const { ctx, logs } = context({ email }, mail);
    expect(await Email.execute(ctx)).toEqual({
      kind: 'success',
      data: {
        ...data,
        Email: {
          messageId: '<1@weir.test>',
          accepted: ['billing@acme.test', 'a@acme.test', 'b@acme.test', 'audit@weir.test'],
        },
      },
    });
    expect(mail.sent).toEqual([
      {
        to: ['billing@acme.test'],
        cc: ['a@acme.test', 'b@acme.test'],
        bcc: ['audit@weir.test'],
        from: 'Weir <noreply@weir.test>',
        replyTo: 'support@weir.test',
        subject: 'Invoice for Acme',
        html: '<p>Hello Acme</p>',
      },
    ]);
    expect(logs).toEqual(['sent <1@weir.test>: 4 of 4 recipients accepted']);
  });

  it('leaves from and reply_to to the sender when blank', async () => {
    const mail = recordingSender();
    await Email.execute(context({ email: { ...email, from: '', reply_to: ' ' } }, mail).ctx);
    expect(mail.sent[0]).toMatchObject({ from: null, replyTo: null });
  });

  it('fails with the reference message when no SMTP server is configured', async () => {
    expect(await Email.execute(context({ email }, null).ctx)).toEqual({
      kind: 'error',
      errorClass: 'WorkflowError::Email',
      message: 'Email is not configured: set WEIR_SMTP_URL.',
      data,
    });
  });

  it('fails on a rendered value that is no address, and on a server refusal', async () => {
    const mail = recordingSender();
    const bad = await Email.execute(context({ email: { ...email, to: ['{{ Data.Account.Name }}'] } }, mail).ctx);
    expect(bad).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Email',
      message: 'email.to[0] rendered "Acme", not an e-mail address.',
    });
    expect(mail.sent).toEqual([]);

    const refusing: MailSender = {
      send: () => Promise.reject(new Error("Can't send mail - all recipients were rejected: 550 No such user")),
    };
    expect(await Email.execute(context({ email }, refusing).ctx)).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Email',
      message: "The e-mail was not sent: Can't send mail - all recipients were rejected: 550 No such user",
    });
  });

  it('rejects unusable parameters at prepare', () => {
    for (const [parameters, name] of [
      [{ email: { to: [], template: 'x' } }, 'email.to'],
      [{ email: { to: ['a@b.c'] } }, 'email.template'],
      [{ email: { to: [1], template: 'x' } }, 'email.to[0]'],
      [{ email: { to: ['{{ oops'], template: 'x' } }, 'email.to[0]'],
    ] as const) {
      expect(() => Email.prepare(makeTask('Email', parameters), testTools), JSON.stringify(parameters)).toThrow(
        expect.objectContaining({ name: 'TaskParameterError', parameter: name }) as Error,
      );
    }
  });

  it('preview_only renders into Data.Email and sends nothing, even without SMTP', async () => {
    const mail = recordingSender();
    const { ctx, logs } = context(
      { email: { ...email, name: 'Billing {{ Data.Account.Name }}', preview_only: 'true' } },
      mail,
    );
    expect(await Email.execute(ctx)).toEqual({
      kind: 'success',
      data: {
        ...data,
        Email: {
          preview: true,
          to: ['billing@acme.test'],
          cc: ['a@acme.test', 'b@acme.test'],
          bcc: ['audit@weir.test'],
          from: 'Weir <noreply@weir.test>',
          subject: 'Invoice for Acme',
          template: '<p>Hello Acme</p>',
        },
      },
    });
    expect(mail.sent).toEqual([]);
    expect(logs).toEqual(['email.preview_only: rendered, not sent']);
    const unconfigured = context({ email: { ...email, preview_only: true } }, null);
    expect(await Email.execute(unconfigured.ctx)).toMatchObject({
      kind: 'success',
      data: { Email: { preview: true } },
    });
  });

  it('keeps the reference keys it cannot act on and says so in the log; "false" switches are off', async () => {
    const mail = recordingSender();
    const parameters = {
      email: {
        ...email,
        attachments: { invoices: 'true', credit_memos: 'false' },
        disable_editor: 'true',
        bcc_me: 'x',
      },
      files: { 'InvoiceItem__8.csv.zip': { name: '', attach: 'true' }, 'Other.csv': { attach: 'false' } },
    };
    const { ctx, logs } = context(parameters, mail);
    expect(await Email.execute(ctx)).toMatchObject({ kind: 'success' });
    expect(mail.sent).toHaveLength(1);
    expect(logs).toEqual([
      'email.attachments (invoices): Weir keeps no files to attach; sent without them.',
      'files (InvoiceItem__8.csv.zip): Weir keeps no files to attach; sent without them.',
      'email.bcc_me: not used by Weir; kept in the file.',
      'sent <1@weir.test>: 4 of 4 recipients accepted',
    ]);
    const off = context({ email: { ...email, attachments: 'false', preview_only: 'false' }, files: {} }, mail);
    await Email.execute(off.ctx);
    expect(off.logs).toEqual(['sent <1@weir.test>: 4 of 4 recipients accepted']);
  });

  it('email.name is the display name before a plain from address', async () => {
    const mail = recordingSender();
    await Email.execute(
      context({ email: { ...email, from: 'noreply@weir.test', name: 'Workflow "Template"' } }, mail).ctx,
    );
    expect(mail.sent[0]?.from).toBe('"Workflow Template" <noreply@weir.test>');
  });
});
