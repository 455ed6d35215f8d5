import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { onlyRunOf, taskInstanceNamed } from './helpers/task-instances.js';
import { start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/** `Email` over HTTP, sent through a real SMTP server started here, asserting what arrived. */

const CREDENTIALS = { user: 'weir', pass: 'p@ss:word' };
let sink: SmtpSink;
let weir: TestWeir;

beforeAll(async () => {
  sink = await startSmtpSink({ credentials: CREDENTIALS, rejectRecipients: ['nobody@weir.test'] });
  weir = await startTestWeir({ smtpUrl: sink.url(CREDENTIALS), smtpFrom: 'Weir <weir@weir.test>' });
});
afterAll(async () => {
  await weir?.close();
  await sink?.close();
});

const WELCOME = {
  to: ['{{ Data.Workflow.email }}'],
  cc: ['ops@weir.test'],
  bcc: ['audit@weir.test'],
  from: '',
  reply_to: 'support@weir.test',
  subject: 'Welcome, {{ Data.Workflow.name }} ✓',
  template: '<h1>Hello {{ Data.Workflow.name | escape }}</h1>\n<p>Your plan: {{ Data.Workflow.plan }}.</p>',
};

async function emailWorkflow(
  target: Pick<TestWeir, 'url' | 'api'>,
  email: Record<string, unknown>,
): Promise<TriggerableWorkflow> {
  const field = (name: string) => ({
    callout_id: name,
    object_name: 'Workflow',
    field_name: name,
    datatype: 'Text' as const,
    required: false,
  });
  return setupWorkflow(
    target,
    workflowDocument({
      name: uniqueName('email'),
      fields: [field('email'), field('name'), field('plan')],
      tasks: [task.raw(1, 'Send welcome', 'Email', { email })],
      linkages: [start(1)],
    }),
  );
}

describe('Email', () => {
  it('sends the rendered mail over SMTP (authenticated) and writes Data.Email', async () => {
    const before = sink.messages.length;
    const workflow = await emailWorkflow(weir, WELCOME);
    const response = await workflow.sync({ json: { email: 'ada@example.test', name: 'Ada <A>', plan: 'Pro' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.Email).toEqual({
      messageId: expect.stringMatching(/^<.+@.+>$/),
      accepted: ['ada@example.test', 'ops@weir.test', 'audit@weir.test'],
    });

    expect(sink.messages).toHaveLength(before + 1);
    const mail = sink.messages[before]!;
    expect(mail.user).toBe('weir');
    expect(mail.envelopeFrom).toBe('weir@weir.test');
    expect(mail.envelopeTo).toEqual(['ada@example.test', 'ops@weir.test', 'audit@weir.test']);
    expect(mail.headers.from).toBe('Weir <weir@weir.test>');
    expect(mail.headers.to).toBe('ada@example.test');
    expect(mail.headers.cc).toBe('ops@weir.test');
    expect(mail.headers).not.toHaveProperty('bcc');
    expect(mail.headers['reply-to']).toBe('support@weir.test');
    expect(mail.headers.subject).toBe('Welcome, Ada <A> ✓');
    expect(mail.headers['message-id']).toBe(response.body.Email.messageId);
    expect(mail.headers['content-type']).toMatch(/^text\/html; charset=utf-8$/i);
    // SMTP carries lines ending in CRLF.
    expect(mail.body).toBe('<h1>Hello Ada &lt;A&gt;</h1>\r\n<p>Your plan: Pro.</p>');

    const sent = await taskInstanceNamed(weir, await onlyRunOf(weir, workflow.id), 'Send welcome');
    expect(sent.log).toBe(`sent ${response.body.Email.messageId}: 3 of 3 recipients accepted\n`);
  });

  it("uses the task's from, and reports only the recipients the server accepted", async () => {
    const before = sink.messages.length;
    const workflow = await emailWorkflow(weir, {
      ...WELCOME,
      from: 'Billing <billing@weir.test>',
      to: ['{{ Data.Workflow.email }}, nobody@weir.test'],
      cc: [],
      bcc: [],
    });
    const response = await workflow.sync({ json: { email: 'ada@example.test', name: 'Ada', plan: 'Pro' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.Email.accepted).toEqual(['ada@example.test']);
    const mail = sink.messages[before]!;
    expect(mail.envelopeFrom).toBe('billing@weir.test');
    expect(mail.envelopeTo).toEqual(['ada@example.test']);
    expect(mail.headers.to).toBe('ada@example.test, nobody@weir.test');
  });

  it('fails with WorkflowError::Email when the server refuses every recipient or the address is not one', async () => {
    const before = sink.messages.length;
    const refused = await emailWorkflow(weir, { ...WELCOME, to: ['nobody@weir.test'], cc: [], bcc: [] });
    const response = await refused.sync({ json: { name: 'Ada', plan: 'Pro' } });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::Email');
    expect(response.body.message).toMatch(/^The e-mail was not sent: .*550/);

    const notAnAddress = await emailWorkflow(weir, WELCOME);
    const bad = await notAnAddress.sync({ json: { email: 'ada at example', name: 'Ada', plan: 'Pro' } });
    expect(bad.status, bad.text).toBe(403);
    expect(bad.body).toMatchObject({
      error_class: 'WorkflowError::Email',
      message: 'email.to[0] rendered "ada at example", not an e-mail address.',
    });
    expect(sink.messages).toHaveLength(before);
  });

  it('reports a failed login without repeating the credentials', async () => {
    const wrong = await startTestWeir({ smtpUrl: sink.url({ user: 'weir', pass: 'wrong-secret' }) });
    try {
      const workflow = await emailWorkflow(wrong, { ...WELCOME, from: 'weir@weir.test' });
      const response = await workflow.sync({ json: { email: 'ada@example.test', name: 'Ada', plan: 'Pro' } });
      expect(response.status, response.text).toBe(403);
      expect(response.body.error_class).toBe('WorkflowError::Email');
      expect(response.body.message).toMatch(/^The e-mail was not sent: .*535/);
      const sent = await taskInstanceNamed(wrong, await onlyRunOf(wrong, workflow.id), 'Send welcome');
      expect(JSON.stringify([response.body, sent])).not.toContain('wrong-secret');
    } finally {
      await wrong.close();
    }
  });

  it('fails with "Email is not configured" when WEIR_SMTP_URL is not set', async () => {
    const unconfigured = await startTestWeir();
    try {
      const workflow = await emailWorkflow(unconfigured, WELCOME);
      const response = await workflow.sync({ json: { email: 'ada@example.test', name: 'Ada', plan: 'Pro' } });
      expect(response.status, response.text).toBe(403);
      expect(response.body).toMatchObject({
        error_class: 'WorkflowError::Email',
        message: 'Email is not configured: set WEIR_SMTP_URL.',
      });
    } finally {
      await unconfigured.close();
    }
  });
});
