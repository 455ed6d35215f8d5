import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid, TemplateScope } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  objectParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import {
  TaskParameterError,
  type MailMessage,
  type PrepareTools,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
} from './task-type.js';

const ERROR_CLASS = 'WorkflowError::Email';
const LISTS = ['to', 'cc', 'bcc'] as const;
type ListName = (typeof LISTS)[number];

/**
 * An address as nodemailer takes it: `a@example.com` or `Name <a@example.com>`. Deliberately
 * loose (the server has the last word); it catches what a template typically gets wrong: an
 * empty value, a missing `@`, two addresses glued together.
 */
const ADDRESS = /^(?:[^<>@,;]*<[^\s<>@,;]+@[^\s<>@,;]+>|[^\s<>@,;]+@[^\s<>@,;]+)$/;

/** An Email task's compiled fields. */
export interface EmailPrepared {
  lists: Record<ListName, { name: string; value: CompiledLiquid }[]>;
  from: CompiledLiquid | null;
  replyTo: CompiledLiquid | null;
  /** The sender's display name (`email.name`), put before `from`. */
  senderName: CompiledLiquid | null;
  subject: CompiledLiquid;
  body: CompiledLiquid;
  /** `email.preview_only`: render the message and keep it in `Data.Email`, send nothing. */
  isPreviewOnly: boolean;
  /** What the file asks that Weir does not do, told in the task instance's log on each run. */
  notes: string[];
}

/** The keys of `email` the reference writes that Weir acts on, or may ignore (editor settings). */
const EMAIL_KEYS = new Set([
  ...LISTS,
  'from',
  'reply_to',
  'name',
  'subject',
  'template',
  'attachments',
  'preview_only',
  'disable_editor',
]);

/**
 * The attachment switches the reference writes, as a list of what is switched on: an array of names,
 * `{invoices: "true", ...}`, `true`/`"true"`; `"false"` strings (its export of "off") switch nothing on.
 */
function attachmentsAskedFor(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)));
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, on]) => (typeof on === 'object' && on !== null ? true : boolParam(on, false)))
      .map(([name]) => name);
  }
  return boolParam(value, false) ? ['attachments'] : [];
}

/** The task's `files` (`{holder: {name, attach}}`) whose `attach` is on. */
function filesAskedFor(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(
      ([, file]) =>
        typeof file === 'object' && file !== null && boolParam((file as { attach?: unknown }).attach, false),
    )
    .map(([holder]) => holder);
}

function notesOf(email: Record<string, unknown>, files: unknown): string[] {
  const notes: string[] = [];
  const attachments = attachmentsAskedFor(email['attachments']);
  if (attachments.length > 0) {
    notes.push(`email.attachments (${attachments.join(', ')}): Weir keeps no files to attach; sent without them.`);
  }
  const attached = filesAskedFor(files);
  if (attached.length > 0) {
    notes.push(`files (${attached.join(', ')}): Weir keeps no files to attach; sent without them.`);
  }
  const unknown = Object.keys(email).filter((key) => !EMAIL_KEYS.has(key));
  if (unknown.length > 0) notes.push(`email.${unknown.join(', email.')}: not used by Weir; kept in the file.`);
  return notes;
}

function prepare(task: TaskDefinition, tools: PrepareTools): EmailPrepared {
  const email = objectParam(task.parameters['email'], 'email');
  const strict = boolParam(task.parameters['strict_variables'], true);
  const liquid = (name: string, source: string): CompiledLiquid => compileLiquidParam(tools, name, source, strict);
  const optional = (key: string): CompiledLiquid | null => {
    const source = stringParam(email[key], `email.${key}`);
    return source.trim() === '' ? null : liquid(`email.${key}`, source);
  };

  const lists = { to: [], cc: [], bcc: [] } as EmailPrepared['lists'];
  for (const list of LISTS) {
    const raw = email[list] ?? [];
    const entries: unknown[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [null];
    for (const [i, entry] of entries.entries()) {
      const name = `email.${list}[${i}]`;
      if (typeof entry !== 'string') throw new TaskParameterError(name, `${name} must be text (an address or Liquid).`);
      if (entry.trim() !== '') lists[list].push({ name, value: liquid(name, entry) });
    }
  }
  if (LISTS.every((list) => lists[list].length === 0)) {
    throw new TaskParameterError('email.to', 'email.to, email.cc or email.bcc must name at least one recipient.');
  }
  return {
    lists,
    from: optional('from'),
    replyTo: optional('reply_to'),
    senderName: optional('name'),
    isPreviewOnly: boolParam(email['preview_only'], false),
    notes: notesOf(email, task.parameters['files']),
    subject: liquid('email.subject', stringParam(email['subject'], 'email.subject')),
    body: liquid('email.template', stringParam(email['template'], 'email.template', true)),
  };
}

async function execute(ctx: TaskContext<EmailPrepared>): Promise<TaskOutcome> {
  const p = ctx.prepared;
  for (const note of p.notes) ctx.log(note);
  if (ctx.mail === null && !p.isPreviewOnly) {
    return failure(ERROR_CLASS, 'Email is not configured: set WEIR_SMTP_URL.', ctx.data);
  }
  const mail = ctx.mail;
  return guardTemplates(ctx.data, async () => {
    const recipients = { to: [], cc: [], bcc: [] } as Record<ListName, string[]>;
    for (const list of LISTS) {
      for (const entry of p.lists[list]) {
        const addresses = splitAddresses(await renderParam(entry.value, ctx.scope, entry.name));
        const bad = addresses.find((a) => !ADDRESS.test(a));
        if (bad !== undefined)
          return failure(ERROR_CLASS, `${entry.name} rendered "${bad}", not an e-mail address.`, ctx.data);
        recipients[list].push(...addresses);
      }
    }
    if (LISTS.every((list) => recipients[list].length === 0)) {
      return failure(ERROR_CLASS, 'The e-mail has no recipients: email.to, cc and bcc all rendered empty.', ctx.data);
    }
    const address = await renderOptional(p.from, ctx.scope, 'email.from');
    const replyTo = await renderOptional(p.replyTo, ctx.scope, 'email.reply_to');
    for (const [name, value] of [
      ['email.from', address],
      ['email.reply_to', replyTo],
    ] as const) {
      if (value !== null && !ADDRESS.test(value)) {
        return failure(ERROR_CLASS, `${name} rendered "${value}", not an e-mail address.`, ctx.data);
      }
    }
    const senderName = await renderOptional(p.senderName, ctx.scope, 'email.name');
    // A display name without an address would hide the configured sender (WEIR_SMTP_FROM), and an
    // address that carries its own name (`Name <a@b.c>`) keeps it.
    const from =
      address !== null && senderName !== null && !address.includes('<')
        ? `"${senderName.replace(/["\\]/g, '')}" <${address}>`
        : address;
    const message: MailMessage = {
      ...recipients,
      from,
      replyTo,
      // A header line cannot hold line breaks; templates often end with one.
      subject: (await renderParam(p.subject, ctx.scope, 'email.subject')).replace(/\s*[\r\n]+\s*/g, ' ').trim(),
      html: await renderParam(p.body, ctx.scope, 'email.template'),
    };

    if (p.isPreviewOnly || mail === null) {
      ctx.log('email.preview_only: rendered, not sent');
      ctx.data['Email'] = { preview: true, ...recipients, from, subject: message.subject, template: message.html };
      return { kind: 'success', data: ctx.data };
    }

    let sent: { messageId: string; accepted: string[] };
    try {
      sent = await mail.send(message);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      ctx.log(`sending failed: ${reason}`);
      return failure(ERROR_CLASS, `The e-mail was not sent: ${reason}`, ctx.data);
    }
    const total = LISTS.reduce((n, list) => n + recipients[list].length, 0);
    ctx.log(`sent ${sent.messageId}: ${sent.accepted.length} of ${total} recipients accepted`);
    ctx.data['Email'] = { messageId: sent.messageId, accepted: sent.accepted };
    return { kind: 'success', data: ctx.data };
  });
}

/** A rendered recipient entry may hold several addresses (`a@x.com, b@y.com`), e.g. from a `join`. */
function splitAddresses(rendered: string): string[] {
  return rendered
    .split(/[,;\n]/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

async function renderOptional(
  compiled: CompiledLiquid | null,
  scope: TemplateScope,
  name: string,
): Promise<string | null> {
  if (compiled === null) return null;
  const value = (await renderParam(compiled, scope, name)).trim();
  return value === '' ? null : value;
}

/**
 * `Email`: renders `email.subject` and `email.template` (the HTML body) and the recipients (each
 * entry Liquid, possibly several comma-separated addresses), and sends the message through the
 * configured SMTP server (`WEIR_SMTP_URL`). Writes `Data.Email = {messageId, accepted}`.
 * `email.name` is the sender's display name. With `email.preview_only` on, the message is rendered
 * into `Data.Email` (`preview: true`) and not sent. Attachments (`email.attachments`, `files`) are kept
 * in the file but not sent: Weir keeps no files; each run's log says so.
 */
export const Email: TaskType<EmailPrepared> = {
  actionType: 'Email',
  hooks: ['Success'],
  isResponsive: true,
  prepare,
  execute,
};
