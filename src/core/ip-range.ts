/**
 * IPv4 rule matching as ACR's `networkRuleSet.ipRules` applies it: a rule value is an address or a CIDR range.
 *
 * Example: ipCovered("20.31.4.17", "20.31.4.0/24") → true; ipCovered("20.31.5.1", "20.31.4.0/24") → false.
 */

export function ipv4ToInt(ip: string): number | null {
  const parts = ip.trim().split(".");
  if (parts.length !== 4) return null;
  let out = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out = out * 256 + Number(p);
  }
  return out;
}

/** Whether an IPv4 address is covered by a rule value (an address or a CIDR range). */
export function ipCovered(ip: string, rule: string): boolean {
  const [base = "", bits] = rule.trim().split("/");
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === null || b === null) return ip.trim().toLowerCase() === rule.trim().toLowerCase();
  const prefix = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(a / size) === Math.floor(b / size);
}
