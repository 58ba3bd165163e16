// The allowed_cidrs CAPO puts on every API server listener. A non-empty spec list is widened with what the
// cluster itself needs to reach the API server (bastion, cluster subnets, router's external IPs); an empty one
// means "anyone" and stays empty. Like CAPO, only IPv4 is accepted: an IPv6 entry is dropped and reported.
import ipaddr from "ipaddr.js";

export interface AllowedCIDRsInput {
  spec: readonly string[];
  bastionFloatingIP?: string | undefined;
  bastionIP?: string | undefined;
  clusterSubnetCIDRs: readonly string[];
  routerIPs: readonly string[];
}

export interface AllowedCIDRs {
  /** Sorted and deduplicated; an address becomes a /32. */
  cidrs: string[];
  /** Entries that are neither an IPv4 address nor an IPv4 CIDR: the caller warns FailedIPAddressValidation. */
  invalid: string[];
}

export function allowedCIDRs(i: AllowedCIDRsInput): AllowedCIDRs {
  if (i.spec.length === 0) return { cidrs: [], invalid: [] };
  const candidates = [
    ...i.spec,
    ...[i.bastionFloatingIP, i.bastionIP].filter((x): x is string => !!x),
    ...i.clusterSubnetCIDRs.filter((x) => x !== ""),
    ...i.routerIPs,
  ];
  const cidrs = new Set<string>();
  const invalid: string[] = [];
  for (const c of candidates) {
    if (ipaddr.IPv4.isValidFourPartDecimal(c)) cidrs.add(`${c}/32`);
    else if (ipaddr.IPv4.isValidCIDRFourPartDecimal(c)) cidrs.add(c);
    else invalid.push(c);
  }
  return { cidrs: [...cidrs].sort(), invalid };
}

/** CAPO's warning text for a dropped entry. */
export const invalidCIDRMessage = (entry: string): string =>
  `${entry} is not a valid IPv4 nor CIDR address and will not get applied to allowed_cidrs`;
