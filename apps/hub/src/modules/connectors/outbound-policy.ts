import dns from 'node:dns/promises';
import net from 'node:net';
import { AppError } from '../../errors.js';

// Where connectors may connect. A host is resolved once, every address is checked, and the connection is
// made to the checked address (so a DNS answer that changes between check and connect cannot redirect it).
// Order: the deny list refuses; a non-empty allow list admits only what it names; link-local and cloud
// metadata endpoints are refused unless the allow list names them explicitly.
export const DEFAULT_DENY = ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128', 'metadata.google.internal', 'metadata'];

export interface PolicyLists {
  allow: string[];
  deny: string[];
}

export interface CheckedTarget {
  host: string;
  /** The address to connect to (already checked). */
  address: string;
  family: 4 | 6;
}

/** `::ffff:169.254.1.1` and `::ffff:a9fe:101` are IPv4 addresses in IPv6 clothing. */
export function unmapIpv4(address: string): string {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}

function matchesRule(rule: string, host: string, address: string | undefined): boolean {
  const r = rule.toLowerCase();
  if (r.includes('/')) {
    if (!address) return false;
    const [base, bits] = r.split('/') as [string, string];
    const type = net.isIPv6(base) ? 'ipv6' : 'ipv4';
    const list = new net.BlockList();
    try {
      list.addSubnet(base, Number(bits), type);
    } catch {
      return false;
    }
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    return family === type && list.check(address, family);
  }
  if (net.isIP(r)) return address !== undefined && unmapIpv4(r) === address;
  if (r.startsWith('*.')) return host.endsWith(r.slice(1));
  return host === r;
}

const matchesAny = (rules: string[], host: string, address?: string) => rules.some((rule) => matchesRule(rule, host, address));

const refused = (host: string, why: string) =>
  new AppError('BAD_REQUEST', `Outbound connection to '${host}' refused by policy`, { details: why });

/** Checks a host name (before DNS) and one resolved address against the lists. */
export function checkAddress(lists: PolicyLists, host: string, address: string): void {
  const h = host.toLowerCase().replace(/\.$/, '');
  const a = unmapIpv4(address);
  if (matchesAny(lists.deny, h, a)) throw refused(host, `${a} matches the deny list`);
  const allowed = matchesAny(lists.allow, h, a);
  if (lists.allow.length > 0 && !allowed) throw refused(host, `${a} is not on the allow list`);
  if (!allowed && matchesAny(DEFAULT_DENY, h, a)) throw refused(host, `${a} is a link-local or cloud metadata address`);
}

/** Name rules before any DNS query (a metadata host name is refused without resolving it). */
export function checkName(lists: PolicyLists, host: string): void {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (matchesAny(lists.deny, h)) throw refused(host, `${h} matches the deny list`);
  if (!matchesAny(lists.allow, h) && matchesAny(DEFAULT_DENY, h)) throw refused(host, `${h} is a cloud metadata host`);
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/** Resolves once and checks every address; returns the first, which the caller must connect to. */
export async function resolveChecked(lists: PolicyLists, host: string, resolver: Resolver = systemResolver): Promise<CheckedTarget> {
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (net.isIP(bare)) addresses = [{ address: bare, family: net.isIPv6(bare) ? 6 : 4 }];
  else {
    checkName(lists, bare);
    try {
      addresses = await resolver(bare);
    } catch (err) {
      throw new AppError('UPSTREAM_FAILED', `Cannot resolve '${bare}'`, { details: (err as Error).message, cause: err });
    }
  }
  for (const a of addresses) checkAddress(lists, bare, a.address);
  const first = addresses[0];
  if (!first) throw new AppError('UPSTREAM_FAILED', `Cannot resolve '${bare}'`, { details: 'No addresses' });
  const address = unmapIpv4(first.address);
  return { host: bare, address, family: net.isIPv6(address) ? 6 : 4 };
}
