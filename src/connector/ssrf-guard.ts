import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** Where outbound webhook traffic may go (WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_CIDRS). */
export interface TargetPolicy {
  /** Allows loopback/private/link-local/CGNAT targets and plain `http://` (tests, private deployments). */
  allowPrivate: boolean;
  /** Ranges allowed in addition to public unicast, e.g. an internal relay's subnet. */
  allowedCidrs: readonly string[];
}

/** Error code of a refused target, mapped to the attempt's error class `ssrf_blocked`. */
export const SSRF_BLOCKED = 'ESSRFBLOCKED';

export class SsrfBlockedError extends Error {
  readonly code = SSRF_BLOCKED;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SsrfBlockedError';
  }
}

/**
 * Public IPv6 unicast lives in 2000::/3 only; ipaddr.js calls e.g. IPv4-compatible `::7f00:1`
 * "unicast", so the global-unicast prefix is checked as well as the range name.
 */
const IPV6_GLOBAL_UNICAST: Cidr = ipaddr.parseCIDR('2000::/3');
/** Never reachable, whatever WEBHOOK_ALLOW_PRIVATE_TARGETS says (only an explicit CIDR opens them). */
const ALWAYS_REFUSED_RANGES = new Set(['unspecified', 'multicast', 'broadcast']);
const METADATA_ADDRESSES: Cidr[] = [
  ipaddr.parseCIDR('169.254.169.254/32'),
  ipaddr.parseCIDR('fd00:ec2::254/128'),
];

export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((c) => ipaddr.parseCIDR(c.trim()));
}

/** Validates WEBHOOK_ALLOWED_CIDRS entries (for the env schema). */
export function isValidCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value.trim());
    return true;
  } catch {
    return false;
  }
}

function inAny(addr: Address, cidrs: readonly Cidr[]): boolean {
  return cidrs.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
}

/**
 * Why `ip` may not be a webhook target under `policy`, or null when it may. IPv4-mapped IPv6
 * (`::ffff:7f00:1`) is judged as the IPv4 address it carries, so an allow-listed CIDR or the
 * private-targets switch treats both spellings alike; NAT64, 6to4, Teredo and IPv4-compatible
 * forms are refused as such (they tunnel to addresses we cannot see).
 */
export function refusalReason(ip: string, policy: TargetPolicy): string | null {
  if (!ipaddr.isValid(ip)) return `"${ip}" is not an IP address`;
  let addr: Address = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  const text = addr.toString();
  if (inAny(addr, parseCidrs(policy.allowedCidrs))) return null;
  if (inAny(addr, METADATA_ADDRESSES)) return `${text} is the cloud metadata address`;
  const range = addr.range();
  if (ALWAYS_REFUSED_RANGES.has(range)) return `${text} is a ${range} address`;
  const publicUnicast =
    range === 'unicast' &&
    (addr.kind() === 'ipv4' || addr.match(IPV6_GLOBAL_UNICAST[0], IPV6_GLOBAL_UNICAST[1]));
  if (publicUnicast || policy.allowPrivate) return null;
  return `${text} is not a public unicast address (${range === 'unicast' ? 'reserved' : range})`;
}

/** The URL's host as the connection will see it (brackets stripped from IPv6 literals). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Static checks of a target URL: scheme, credentials, and (for IP literals, which the resolver
 * never sees) the address. The WHATWG parser has already normalised `2130706433`, `0x7f.1` and
 * `017700000001` to `127.0.0.1`, so those are judged as the address they are.
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate)) {
    return policy.allowPrivate ? 'must use http or https' : 'must use https';
  }
  if (url.username || url.password) return 'must not contain credentials';
  const host = hostOf(url);
  if (isIP(host)) {
    const reason = refusalReason(host, policy);
    return reason ? `targets a refused address: ${reason}` : null;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return policy.allowPrivate ? null : 'targets localhost';
  }
  return null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export type GuardedLookup = (
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
) => void;

/**
 * A `lookup` for the socket: resolves once, refuses the connection when ANY resolved address is
 * refused (an attacker's DNS answer mixing a public and a private address gets nothing), and
 * hands the socket exactly the addresses it checked, so there is no second resolution for a
 * rebinding DNS server to answer differently.
 */
export function guardedLookup(
  policy: TargetPolicy,
  resolve: typeof dnsLookup = dnsLookup,
): GuardedLookup {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses;
      if (list.length === 0) {
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
          [],
        );
      }
      for (const a of list) {
        const reason = refusalReason(a.address, policy);
        if (reason) return callback(new SsrfBlockedError(`${hostname} resolves to ${reason}`), []);
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a host name now and returns why it is refused (for 422 at create), or null. */
export async function checkResolvedHost(
  hostname: string,
  policy: TargetPolicy,
  resolve: typeof dnsLookup = dnsLookup,
): Promise<string | null> {
  return new Promise((done) => {
    guardedLookup(policy, resolve)(hostname, { all: true }, (err) => {
      // A name that does not resolve today may tomorrow: only a refused address is a 422.
      done(err instanceof SsrfBlockedError ? err.reason : null);
    });
  });
}

/** The address an attempt connects to, checked under the policy. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a target URL's host once and checks every address (and the URL itself); throws
 * SsrfBlockedError for a refused target, or the resolver's error. The caller connects to the
 * returned address only (no second lookup).
 */
export async function resolveTarget(
  rawUrl: string,
  policy: TargetPolicy,
  resolve: typeof dnsLookup = dnsLookup,
): Promise<CheckedAddress> {
  const staticReason = checkTargetUrl(rawUrl, policy);
  if (staticReason) throw new SsrfBlockedError(`target ${staticReason}`);
  const host = hostOf(new URL(rawUrl));
  const literal = isIP(host);
  if (literal) return { address: host, family: literal === 6 ? 6 : 4 };
  return new Promise((done, fail) => {
    guardedLookup(policy, resolve)(host, { all: true }, (err, addresses) => {
      if (err) return fail(err);
      const [first] = addresses as LookupAddress[];
      done({ address: first.address, family: first.family === 6 ? 6 : 4 });
    });
  });
}
