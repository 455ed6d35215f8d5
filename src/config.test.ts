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
