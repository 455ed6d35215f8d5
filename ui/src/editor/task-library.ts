/**
 * The task library: every action type Weir runs (shared/contract/workflow-format.md), with the hooks its
 * linkages may use, the parameters its form shows and the parameters a new task starts with. The forms
 * are generated from these specs; anything a spec does not name stays editable as raw JSON.
 */

import type { ParameterSpec, TaskTypeSpec } from './parameter-spec.js';

const STRICT: ParameterSpec = {
  path: ['strict_variables'],
  label: 'Strict variables',
  kind: 'flag',
  defaultValue: 'true',
  hint: 'A Liquid variable that does not exist is an error rather than empty text.',
};
const PLACEMENT = (fallback: string): ParameterSpec => ({
  path: ['placement'],
  label: 'Placement',
  kind: 'text',
  hint: `The key of Data the result is written to (default ${fallback}).`,
});

export const TASK_LIBRARY: readonly TaskTypeSpec[] = [
  {
    actionType: 'Callout',
    title: 'Callout',
    description: 'Sends an HTTP request and keeps the answer in Data.Callout.',
    sendsOutside: 'sends its HTTP request for real',
    hooks: ['Success', 'Failure'],
    parameters: [
      { path: ['url'], label: 'URL', kind: 'text', isRequired: true, hint: 'Liquid allowed.' },
      {
        path: ['method'],
        label: 'Method',
        kind: 'select',
        options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
        defaultValue: 'GET',
      },
      {
        path: ['headers'],
        label: 'Headers',
        kind: 'pairs',
        hasSecretValues: true,
        hint: 'Values may use Liquid. A header that carries a credential (Authorization, X-Api-Key…) takes a global constant.',
      },
      { path: ['body_type'], label: 'Body type', kind: 'select', options: ['raw', 'none'], defaultValue: 'raw' },
      {
        path: ['raw_body'],
        label: 'Body',
        kind: 'code',
        hint: 'Liquid.',
        showWhen: { path: ['body_type'], values: ['raw'] },
      },
      {
        path: ['authorization', 'type'],
        label: 'Authorization',
        kind: 'select',
        options: ['none', 'basic_auth', 'bearer', 'oauth2', 'hmac'],
        defaultValue: 'none',
      },
      {
        path: ['authorization', 'username'],
        label: 'Username',
        kind: 'text',
        showWhen: { path: ['authorization', 'type'], values: ['basic_auth'] },
      },
      {
        path: ['authorization', 'password'],
        label: 'Password',
        kind: 'secret',
        showWhen: { path: ['authorization', 'type'], values: ['basic_auth'] },
      },
      {
        path: ['authorization', 'token'],
        label: 'Bearer token',
        kind: 'secret',
        showWhen: { path: ['authorization', 'type'], values: ['bearer'] },
      },
      {
        path: ['authorization', 'token_url'],
        label: 'Token URL',
        kind: 'text',
        isRequired: true,
        showWhen: { path: ['authorization', 'type'], values: ['oauth2', 'oauth_2.0'] },
      },
      {
        path: ['authorization', 'client_id'],
        label: 'Client id',
        kind: 'text',
        isRequired: true,
        showWhen: { path: ['authorization', 'type'], values: ['oauth2', 'oauth_2.0'] },
      },
      {
        path: ['authorization', 'client_secret'],
        label: 'Client secret',
        kind: 'secret',
        showWhen: { path: ['authorization', 'type'], values: ['oauth2', 'oauth_2.0'] },
      },
      {
        path: ['authorization', 'scope'],
        label: 'Scope',
        kind: 'text',
        showWhen: { path: ['authorization', 'type'], values: ['oauth2', 'oauth_2.0'] },
      },
      {
        path: ['authorization', 'client_authentication'],
        label: 'Send the client credentials',
        kind: 'select',
        options: ['body', 'basic'],
        defaultValue: 'body',
        hint: 'In the form body, or as HTTP Basic.',
        showWhen: { path: ['authorization', 'type'], values: ['oauth2', 'oauth_2.0'] },
      },
      {
        path: ['authorization', 'algorithm'],
        label: 'HMAC algorithm',
        kind: 'select',
        options: ['SHA-256', 'SHA-384', 'SHA-512', 'SHA-1', 'MD5'],
        defaultValue: 'SHA-256',
        showWhen: { path: ['authorization', 'type'], values: ['hmac'] },
      },
      {
        path: ['authorization', 'secret'],
        label: 'HMAC key',
        kind: 'secret',
        showWhen: { path: ['authorization', 'type'], values: ['hmac'] },
      },
      {
        path: ['authorization', 'header_name'],
        label: 'Signature header',
        kind: 'text',
        defaultValue: 'X-Signature',
        showWhen: { path: ['authorization', 'type'], values: ['hmac'] },
      },
      {
        path: ['validation', 'status_codes'],
        label: 'Accepted status codes',
        kind: 'list',
        hint: 'One per line; any other answer fails the task.',
      },
      {
        path: ['retry_rules', 'retry_count'],
        label: 'Retries',
        kind: 'number',
        hint: '0 to 10.',
      },
      { path: ['retry_rules', 'retry_window'], label: 'Retry window (minutes)', kind: 'number', hint: '0 to 60.' },
      { path: ['timeout'], label: 'Timeout (seconds)', kind: 'number' },
      { path: ['include_response_code'], label: 'Keep the answer in Data', kind: 'flag', defaultValue: 'true' },
      STRICT,
    ],
    defaults: () => ({
      url: 'https://example.com/',
      method: 'GET',
      headers: [],
      body_type: 'none',
      raw_body: '',
      authorization: { type: 'none' },
      validation: { status_codes: ['200'] },
      retry_rules: { retry_count: '0', retry_window: '30' },
      include_response_code: 'true',
      strict_variables: 'true',
    }),
  },
  {
    actionType: 'If',
    title: 'If',
    description: 'Renders a Liquid clause to True or False and follows that hook.',
    hooks: ['True', 'False', 'Failure'],
    parameters: [
      {
        path: ['if_clause'],
        label: 'If clause',
        kind: 'code',
        isRequired: true,
        hint: 'Liquid rendering True or False.',
      },
      STRICT,
    ],
    defaults: () => ({
      if_clause: '{% if Data.Workflow.name %}True{% else %}False{% endif %}',
      strict_variables: 'false',
    }),
  },
  {
    actionType: 'Logic::Case',
    title: 'Case',
    description: 'Matches a rendered value against regular expressions, one hook per case.',
    hooks: ['Case_Else', 'Failure'],
    parameters: [
      { path: ['case_clause'], label: 'Case clause', kind: 'code', isRequired: true, hint: 'Liquid.' },
      {
        path: ['case_condition'],
        label: 'Cases',
        kind: 'map',
        hint: 'Case_1, Case_2, …: each an anchored regular expression.',
      },
      STRICT,
    ],
    defaults: () => ({
      case_clause: '{{ Data.Workflow.name }}',
      case_condition: { Case_1: 'A.*' },
      strict_variables: 'true',
    }),
  },
  {
    actionType: 'Iterate',
    title: 'Iterate',
    description: 'Runs its For Each branch once per item of an array, then Complete.',
    hooks: ['For Each', 'Complete', 'Failure'],
    parameters: [
      {
        path: ['object'],
        label: 'Array',
        kind: 'text',
        isRequired: true,
        hint: 'A key at the top of Data (e.g. Invoice), or CUSTOM LIQUID.',
      },
      {
        path: ['liquid_statement'],
        label: 'Liquid statement',
        kind: 'code',
        hint: 'Renders a JSON array.',
        showWhen: { path: ['object'], values: ['CUSTOM LIQUID'] },
      },
      { path: ['chunk_size'], label: 'Chunk size', kind: 'number' },
      { path: ['concurrency'], label: 'Concurrency', kind: 'number' },
    ],
    defaults: () => ({ object: 'Items', chunk_size: '1', concurrency: '1' }),
  },
  {
    actionType: 'Delay',
    title: 'Delay',
    description: 'Waits a number of seconds, or until a time, durably.',
    hooks: ['Success', 'Failure'],
    parameters: [
      {
        path: ['delay_time'],
        label: 'Delay',
        kind: 'text',
        isRequired: true,
        hint: 'Seconds, or a timestamp; Liquid allowed.',
      },
    ],
    defaults: () => ({ delay_time: '60' }),
  },
  {
    actionType: 'Logic::Liquid',
    title: 'Liquid',
    description: 'Runs Liquid; each assign or capture is kept in Data.Liquid.',
    hooks: ['Success', 'Failure'],
    parameters: [{ path: ['code'], label: 'Liquid code', kind: 'code', isRequired: true }, PLACEMENT('Liquid'), STRICT],
    defaults: () => ({ code: '{% assign greeting = "Hello" %}', strict_variables: 'true' }),
  },
  {
    actionType: 'Logic::JSONTransform',
    title: 'JSON transform',
    description: 'Transforms Data with JSONata or Liquid.',
    hooks: ['Success', 'Failure'],
    parameters: [
      { path: ['processor'], label: 'Processor', kind: 'select', options: ['JSONata', 'Liquid'] },
      { path: ['template'], label: 'Template', kind: 'code', isRequired: true },
      PLACEMENT('JSONTransform'),
    ],
    defaults: () => ({ processor: 'JSONata', template: '$', placement: 'JSONTransform' }),
  },
  {
    actionType: 'Script::JavaScript',
    title: 'JavaScript',
    description: 'Runs a step(input) function in a sandbox; its return value goes to Data.',
    hooks: ['Success', 'Failure'],
    parameters: [
      { path: ['code'], label: 'Code', kind: 'code', isRequired: true, hint: 'Defines function step(input).' },
      { path: ['timeout'], label: 'Timeout (seconds)', kind: 'number' },
      PLACEMENT('JavaScript'),
    ],
    defaults: () => ({ code: 'function step(input) {\n  return { ok: true };\n}\n', timeout: '20' }),
  },
  {
    actionType: 'Logic::ResponseFormatter',
    title: 'Response formatter',
    description: 'Ends the run and renders the answer of a responsive trigger.',
    hooks: ['Failure'],
    parameters: [
      {
        path: ['processor'],
        label: 'Processor',
        kind: 'select',
        options: ['Liquid', 'JSONata'],
        defaultValue: 'Liquid',
      },
      { path: ['template'], label: 'Template', kind: 'code', isRequired: true },
      { path: ['code'], label: 'HTTP status code', kind: 'number', hint: '100 to 599, default 200.' },
      {
        path: ['parent_workflow_status'],
        label: 'Run result',
        kind: 'select',
        options: ['Success', 'Error'],
        defaultValue: 'Success',
      },
      STRICT,
    ],
    defaults: () => ({
      processor: 'Liquid',
      template: '{"ok": true}',
      code: '200',
      parent_workflow_status: 'Success',
      strict_variables: 'true',
    }),
  },
  {
    actionType: 'Execute::WorkflowTask',
    title: 'Run a workflow',
    description: 'Runs another workflow and keeps its answer.',
    sendsOutside: 'starts a real run of the other workflow',
    hooks: ['Success', 'Failure'],
    parameters: [
      { path: ['workflow_id'], label: 'Workflow id', kind: 'number', isRequired: true },
      { path: ['inputs'], label: 'Inputs', kind: 'code', hint: 'Liquid rendering a JSON object.' },
      { path: ['wait'], label: 'Wait for it', kind: 'flag', defaultValue: 'true' },
      { path: ['response'], label: 'Response', kind: 'select', options: ['Response Formatter', 'Last Task'] },
      PLACEMENT('ExecuteWorkflow'),
    ],
    defaults: () => ({ workflow_id: '', inputs: '{}', wait: 'true', response: 'Response Formatter' }),
  },
  {
    actionType: 'Email',
    title: 'Email',
    description: 'Sends an email over SMTP.',
    sendsOutside: 'sends the e-mail for real',
    hooks: ['Success', 'Failure'],
    parameters: [
      { path: ['email', 'to'], label: 'To', kind: 'list', isRequired: true, hint: 'One address per line.' },
      { path: ['email', 'cc'], label: 'Cc', kind: 'list' },
      { path: ['email', 'bcc'], label: 'Bcc', kind: 'list' },
      { path: ['email', 'from'], label: 'From', kind: 'text' },
      { path: ['email', 'reply_to'], label: 'Reply to', kind: 'text' },
      { path: ['email', 'subject'], label: 'Subject', kind: 'text', isRequired: true, hint: 'Liquid.' },
      { path: ['email', 'template'], label: 'Body (HTML)', kind: 'code', hint: 'Liquid.' },
    ],
    defaults: () => ({
      email: { to: [], cc: [], bcc: [], from: '', reply_to: '', subject: 'Hello', template: '<p>Hello</p>' },
    }),
  },
  {
    actionType: 'Logic::Merge',
    title: 'Merge',
    description: 'Waits for parallel branches and merges their Data.',
    hooks: ['Success', 'Failure'],
    parameters: [],
    defaults: () => ({}),
  },
  {
    actionType: 'Approval',
    title: 'Approval',
    description: 'Waits until someone approves or rejects it through the API.',
    hooks: ['Approve', 'Reject', 'Failure'],
    parameters: [{ path: ['expires_in_days'], label: 'Expires after (days)', kind: 'number', hint: 'Default 90.' }],
    defaults: () => ({ expires_in_days: '90' }),
  },
];

export function specOf(actionType: string): TaskTypeSpec | undefined {
  return TASK_LIBRARY.find((spec) => spec.actionType === actionType);
}

/** A type as people read it: `Logic::ResponseFormatter` → `Response formatter`; unknown types as written. */
export function shortTypeName(actionType: string): string {
  return specOf(actionType)?.title ?? actionType;
}

/**
 * The hooks a task's outgoing linkages may use. A `Logic::Case` task has one per key of its
 * `case_condition` (`Case_1`…), plus `Case_Else` and `Failure`. Unknown types get the common two.
 */
export function hooksOf(actionType: string, parameters: Record<string, unknown> = {}): string[] {
  const spec = specOf(actionType);
  if (!spec) return ['Success', 'Failure'];
  if (actionType === 'Logic::Case') {
    const cases = parameters['case_condition'];
    const keys =
      typeof cases === 'object' && cases !== null && !Array.isArray(cases)
        ? Object.keys(cases).filter((key) => /^Case_\d+$/.test(key))
        : [];
    return [...keys.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))), ...spec.hooks];
  }
  return [...spec.hooks];
}
