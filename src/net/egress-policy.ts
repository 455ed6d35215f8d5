import { BlockList, isIP } from 'node:net';

/**
 * Where callouts, their OAuth token requests and the SMTP connection may go. By default nowhere
 * inside: a workflow author (or whoever controls a URL a callout renders) must not reach Weir
 * itself, the cloud's metadata service (169.254.169.254) or the private network behind the
 * server. `WEIR_CALLOUT_ALLOW` lists the internal targets that are legitimate.
 *
 * Addresses are checked after resolution, on the address the socket connects to (guarded-fetch.ts),
 * so every spelling of an address (127.1, 0x7f.1, 2130706433, [::ffff:127.0.0.1], a DNS name
 * resolving to 10.0.0.5) meets the same rule.
 */

/** IPv4 ranges no callout reaches unless allowed: RFC 6890's special-purpose blocks that are not the internet. */
const DENIED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

/** IPv6 ranges denied besides those embedding an IPv4 address, which are checked as that address. */
const DENIED_V6: readonly [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

const denied = new BlockList();
for (const [net, prefix] of DENIED_V4) denied.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of DENIED_V6) denied.addSubnet(net, prefix, 'ipv6');

/** One `WEIR_CALLOUT_ALLOW` entry that is neither a CIDR nor a host name. */
export class EgressAllowlistError extends Error {
  override readonly name = 'EgressAllowlistError';
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** The policy: what is denied by default, and the allowlist that overrides it. */
export class EgressPolicy {
  private readonly allowedNets = new BlockList();
  private readonly allowedHosts = new Set<string>();
  private hasNets = false;

  /**
   * `allow`: entries of `WEIR_CALLOUT_ALLOW`, each a CIDR (`10.0.0.0/8`, `fd00::/8`), a single
   * address (`127.0.0.1`, taken as /32 or /128) or a host name (`billing.internal`, matched
   * exactly, any case; a name allows whatever it resolves to). Throws `EgressAllowlistError`.
   */
  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const [address = '', prefixText, ...rest] = entry.split('/');
      const family = isIP(address);
      if (family !== 0) {
        const max = family === 4 ? 32 : 128;
        const prefix = prefixText === undefined ? max : Number(prefixText);
        if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === '') {
          throw new EgressAllowlistError(`"${raw}" is not a CIDR: the prefix must be 0 to ${max}.`);
        }
        this.allowedNets.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
        this.hasNets = true;
      } else if (prefixText === undefined && HOST_NAME.test(entry)) {
        this.allowedHosts.add(entry.replace(/\.$/, ''));
      } else {
        throw new EgressAllowlistError(`"${raw}" is neither a CIDR (10.0.0.0/8) nor a host name (billing.internal).`);
      }
    }
  }

  /** Whether `hostname` (as in a URL, without brackets) is on the allowlist by name. */
  isHostAllowed(hostname: string): boolean {
    return this.allowedHosts.has(hostname.toLowerCase().replace(/\.$/, ''));
  }

  /**
   * Why a connection to `address` (an IP address, as resolved) is refused, or null when it may
   * go. IPv4 addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
   * `64:ff9b::a.b.c.d`) are judged as the IPv4 address.
   */
  refusal(address: string): string | null {
    const family = isIP(address);
    if (family === 0) return `${address} is not an IP address`;
    const v4 = family === 6 ? embeddedIpv4(address) : address;
    if (v4 !== null) {
      if (this.hasNets && this.allowedNets.check(v4, 'ipv4')) return null;
      return denied.check(v4, 'ipv4') ? `${address} is a loopback, private, link-local or reserved address` : null;
    }
    if (this.hasNets && this.allowedNets.check(address, 'ipv6')) return null;
    return denied.check(address, 'ipv6') ? `${address} is a loopback, private, link-local or reserved address` : null;
  }
}

/** The IPv4 address inside an IPv4-mapped, -compatible or NAT64 IPv6 address, or null. */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (groups === null) return null;
  const high = groups.slice(0, 6);
  const isMapped = high.slice(0, 5).every((g) => g === 0) && high[5] === 0xffff;
  const isCompatible = high.every((g) => g === 0) && (groups[6] !== 0 || (groups[7] ?? 0) > 1);
  const isNat64 = groups[0] === 0x64 && groups[1] === 0xff9b && high.slice(2).every((g) => g === 0);
  if (!isMapped && !isCompatible && !isNat64) return null;
  const [a = 0, b = 0] = groups.slice(6);
  return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail and zone accepted), or null. */
function expandIpv6(address: string): number[] | null {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const parts = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${(((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16)}:${(((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const fill = 8 - head.length - tail.length;
  const groups = halves.length === 2 ? [...head, ...Array<number>(Math.max(0, fill)).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
