import { describe, expect, it } from 'vitest';
import { EgressAllowlistError, EgressPolicy } from './egress-policy.js';

/** The address a URL's host normalises to, as fetch would connect to it. */
const hostOf = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

describe('EgressPolicy', () => {
  const policy = new EgressPolicy();

  it('refuses loopback, private, link-local, multicast and unspecified addresses in every spelling', () => {
    const spellings = [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://017700000001/',
      'http://0.0.0.0/',
      'http://0/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://[::1]/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:169.254.169.254]/',
      'http://[::127.0.0.1]/',
      'http://[64:ff9b::10.0.0.1]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://[ff02::1]/',
    ];
    for (const url of spellings) expect(policy.refusal(hostOf(url)), url).toMatch(/is a loopback, private/);
  });

  it('lets public addresses through, in v4, v6 and v4-mapped v6', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      expect(policy.refusal(address), address).toBeNull();
    }
  });

  it('allows what WEIR_CALLOUT_ALLOW lists: CIDRs, single addresses and host names', () => {
    const allowing = new EgressPolicy(['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8', '192.168.1.7', 'Billing.Internal']);
    expect(allowing.refusal('127.0.0.1')).toBeNull();
    expect(allowing.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(allowing.refusal('127.0.0.2')).toMatch(/loopback/);
    expect(allowing.refusal('10.200.3.4')).toBeNull();
    expect(allowing.refusal('fd00::5')).toBeNull();
    expect(allowing.refusal('192.168.1.7')).toBeNull();
    expect(allowing.refusal('192.168.1.8')).toMatch(/private/);
    expect(allowing.isHostAllowed('billing.internal')).toBe(true);
    expect(allowing.isHostAllowed('BILLING.internal.')).toBe(true);
    expect(allowing.isHostAllowed('evil.billing.internal')).toBe(false);
  });

  it('rejects allowlist entries that are neither CIDRs nor host names', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '::1/129', 'http://x', 'a b', '10.0.0.0/8/1']) {
      expect(() => new EgressPolicy([bad]), bad).toThrow(EgressAllowlistError);
    }
  });
});
