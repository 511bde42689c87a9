import { BlockList, isIP } from 'node:net';

/** A set of CIDR ranges (IPv4 and IPv6; an IPv4-mapped IPv6 address matches its IPv4 range). */
export function compileCidrs(ranges: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const [ip = '', bits] = range.split('/');
    const family = isIP(ip);
    if (family === 0) throw new Error(`${range}: not an IP address`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`${range}: prefix must be 0-${max}`);
    list.addSubnet(ip, prefix, type);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (family === 0) return false;
    return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}
