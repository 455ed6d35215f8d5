import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig: SMTP', () => {
  it('reads WEIR_SMTP_URL and WEIR_SMTP_FROM, both absent by default', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: null, smtpFrom: null });
    expect(
      loadConfig({
        WEIR_SMTP_URL: 'smtps://mailer:s3cret@mail.example.test:465',
        WEIR_SMTP_FROM: 'Weir <w@example.test>',
      }),
    ).toMatchObject({ smtpUrl: 'smtps://mailer:s3cret@mail.example.test:465', smtpFrom: 'Weir <w@example.test>' });
  });

  it('rejects other schemes and non-URLs without repeating the URL and its password', () => {
    for (const url of ['http://mailer:s3cret@mail.example.test', 'mailer:s3cret@mail example']) {
      let thrown: unknown;
      try {
        loadConfig({ WEIR_SMTP_URL: url });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toMatch(/^WEIR_SMTP_URL must/);
      expect((thrown as Error).message).not.toContain('s3cret');
    }
  });
});

describe('loadConfig: egress', () => {
  it('reads WEIR_CALLOUT_ALLOW and WEIR_CALLOUT_MAX_REDIRECTS, none allowed and 5 by default', () => {
    expect(loadConfig({})).toMatchObject({ calloutAllow: [], calloutMaxRedirects: 5 });
    expect(
      loadConfig({
        WEIR_CALLOUT_ALLOW: ' 127.0.0.1/32, 10.0.0.0/8,,billing.internal ',
        WEIR_CALLOUT_MAX_REDIRECTS: '0',
      }),
    ).toMatchObject({ calloutAllow: ['127.0.0.1/32', '10.0.0.0/8', 'billing.internal'], calloutMaxRedirects: 0 });
  });

  it('names a bad allowlist entry and a bad redirect count', () => {
    expect(() => loadConfig({ WEIR_CALLOUT_ALLOW: '10.0.0.0/8,10.0.0.0/40' })).toThrow(
      new ConfigError('WEIR_CALLOUT_ALLOW: "10.0.0.0/40" is not a CIDR: the prefix must be 0 to 32.'),
    );
    expect(() => loadConfig({ WEIR_CALLOUT_ALLOW: 'http://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEIR_CALLOUT_MAX_REDIRECTS: '21' })).toThrow(
      new ConfigError('WEIR_CALLOUT_MAX_REDIRECTS must be an integer from 0 to 20; got "21".'),
    );
  });
});

describe('loadConfig: node registry', () => {
  it('heartbeats every 5 s and declares a node gone after 30 s by default', () => {
    expect(loadConfig({})).toMatchObject({ nodeHeartbeatSeconds: 5, nodeTimeoutSeconds: 30 });
    expect(loadConfig({ WEIR_NODE_HEARTBEAT_SECONDS: '2', WEIR_NODE_TIMEOUT_SECONDS: '4' })).toMatchObject({
      nodeHeartbeatSeconds: 2,
      nodeTimeoutSeconds: 4,
    });
  });

  it('refuses a timeout shorter than two heartbeats, naming both settings', () => {
    expect(() => loadConfig({ WEIR_NODE_HEARTBEAT_SECONDS: '5', WEIR_NODE_TIMEOUT_SECONDS: '9' })).toThrow(
      /WEIR_NODE_TIMEOUT_SECONDS \(9\) must be at least twice WEIR_NODE_HEARTBEAT_SECONDS \(5\)/,
    );
  });
});

describe('loadConfig: tracing', () => {
  it('reads WEIR_OTEL_ENABLED (off by default) and OTEL_SERVICE_NAME (default weir)', () => {
    expect(loadConfig({})).toMatchObject({ otelEnabled: false, otelServiceName: 'weir' });
    expect(loadConfig({ WEIR_OTEL_ENABLED: 'true', OTEL_SERVICE_NAME: 'weir-eu-1' })).toMatchObject({
      otelEnabled: true,
      otelServiceName: 'weir-eu-1',
    });
    expect(() => loadConfig({ WEIR_OTEL_ENABLED: 'yes' })).toThrow(
      new ConfigError('WEIR_OTEL_ENABLED must be true or false; got "yes".'),
    );
  });
});

describe('loadConfig: limits and shutdown', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      shutdownGraceSeconds: 30,
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      trustProxy: false,
      tokenRateLimitPerIp: 300,
      tokenRateLimitPerClient: 60,
      triggerRateLimitPerIp: 0,
      triggerRateLimitPerWorkflow: 0,
      sqliteBusySeconds: 5,
      sqliteMaxSizeMb: null,
    });
  });

  it('reads WEIR_TRUST_PROXY as a boolean, a hop count or addresses, and refuses anything else', () => {
    expect(loadConfig({ WEIR_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ WEIR_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ WEIR_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
    expect(() => loadConfig({ WEIR_TRUST_PROXY: 'lb.internal' })).toThrow(ConfigError);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => loadConfig({ WEIR_HEADERS_TIMEOUT_SECONDS: '40', WEIR_REQUEST_TIMEOUT_SECONDS: '30' })).toThrow(
      /WEIR_HEADERS_TIMEOUT_SECONDS must not exceed/,
    );
    expect(loadConfig({ WEIR_SQLITE_MAX_SIZE_MB: '64' }).sqliteMaxSizeMb).toBe(64);
  });
});
