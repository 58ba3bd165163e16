// Admission validation for v1beta1 beyond what the CRD schema (types, enums, formats, CEL) enforces:
// cross-field rules and immutability, as CAPO's validating webhooks do (capo-behaviour.md 2.17), mapped
// to v1beta1 field names. Pure functions; src/webhooks wires them to admission requests. An empty list
// means the request is allowed.
//
// Where we differ from CAPO, on purpose:
//  - Spec rules run on templates and on the bastion's machine spec too, so a bad spec fails when it is
//    written rather than when a machine is created from it.
//  - On update, spec rules are ratcheted: only errors the old object did not have are reported, so that an
//    object admitted before a rule existed can still get its mutable fields (providerID, status-driven
//    fields) updated by the controllers.
//  - SecurityGroupRuleSpec direction/etherType are checked against their known values (CAPO's v1beta1 CRD
//    left them free strings until v0.13; Neutron rejects anything else late).
//  - Empty lists/objects compare equal to absent ones in immutability checks (see semanticEqual).
//
// Where we match CAPO v0.10 although later CAPO is stricter: a manifest CAPO v0.10 accepted must apply here.
//  - An empty identityRef name/cloudName is accepted (conversion from the old versions produces it for a
//    cluster without credentials; CAPO's CRD requires minLength 1 from v0.14). The controller reports it.
//  - An unknown BlockDeviceStorage type (the book's own example writes `local`) is accepted with a warning:
//    no CRD of the versions we serve has an enum on it, and only the controller can act on it.
import { semanticEqual } from "../common/compare.ts";
import { forbidden, formatFieldError, notSupported, type FieldError } from "../common/field-errors.ts";
import type {
  OpenStackCluster,
  OpenStackClusterSpec,
  OpenStackClusterTemplate,
  OpenStackMachine,
  OpenStackMachineSpec,
  OpenStackMachineTemplate,
  SecurityGroupRuleSpec,
  SubnetParam,
} from "./index.ts";
import { blockDeviceTypes } from "./machine.ts";

export const rootVolumeName = "root";
export const securityGroupRuleDirections = ["ingress", "egress"] as const;
export const securityGroupRuleEtherTypes = ["IPv4", "IPv6"] as const;
/** Set by CAPI's topology controller on objects it sends in dry-run requests to compute its patches. */
export const topologyDryRunAnnotation = "topology.cluster.x-k8s.io/dry-run";

type Loose = Record<string, unknown>;

/** A deep copy of `value` as a plain record, without the given keys. */
function copyWithout(value: object | undefined, ...keys: string[]): Loose {
  const copy = structuredClone((value ?? {}) as Loose);
  for (const key of keys) Reflect.deleteProperty(copy, key);
  return copy;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

// ---- spec rules ---------------------------------------------------------------------------------------

function securityGroupRuleErrors(
  rules: readonly SecurityGroupRuleSpec[] | undefined,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  (rules ?? []).forEach((rule, i) => {
    const rulePath = `${path}[${i}]`;
    const remotes = [rule.remoteManagedGroups, rule.remoteGroupID, rule.remoteIPPrefix].filter(isSet);
    if (remotes.length > 1) {
      errors.push(
        forbidden(rulePath, "only one of remoteManagedGroups, remoteGroupID, or remoteIPPrefix can be set"),
      );
    }
    if (!(securityGroupRuleDirections as readonly string[]).includes(rule.direction)) {
      errors.push(notSupported(`${rulePath}.direction`, rule.direction, securityGroupRuleDirections));
    }
    if (
      rule.etherType !== undefined &&
      !(securityGroupRuleEtherTypes as readonly string[]).includes(rule.etherType)
    ) {
      errors.push(notSupported(`${rulePath}.etherType`, rule.etherType, securityGroupRuleEtherTypes));
    }
  });
  return errors;
}

/** Rules of a machine spec (OpenStackMachine, OpenStackMachineTemplate and the bastion). */
export function machineSpecErrors(spec: OpenStackMachineSpec | undefined, path: string): FieldError[] {
  if (spec === undefined) return [];
  const errors: FieldError[] = [];
  const devices = spec.additionalBlockDevices ?? [];
  if (spec.rootVolume !== undefined && devices.some((d) => d.name === rootVolumeName)) {
    errors.push(
      forbidden(
        `${path}.additionalBlockDevices`,
        `cannot contain a device named "${rootVolumeName}" when rootVolume is set`,
      ),
    );
  }
  (spec.ports ?? []).forEach((port, i) => {
    if (port.disablePortSecurity === true && isSet(port.securityGroups)) {
      errors.push(
        forbidden(
          `${path}.ports[${i}].securityGroups`,
          "cannot have security groups when disablePortSecurity is set to true",
        ),
      );
    }
  });
  return errors;
}

/** Rules of a cluster spec (OpenStackCluster and OpenStackClusterTemplate). */
export function clusterSpecErrors(spec: OpenStackClusterSpec | undefined, path: string): FieldError[] {
  if (spec === undefined) return [];
  return [
    ...securityGroupRuleErrors(
      spec.managedSecurityGroups?.allNodesSecurityGroupRules,
      `${path}.managedSecurityGroups.allNodesSecurityGroupRules`,
    ),
    ...machineSpecErrors(spec.bastion?.spec, `${path}.bastion.spec`),
  ];
}

/** The errors of `next` that `previous` did not already have. */
function ratchet(next: FieldError[], previous: FieldError[]): FieldError[] {
  const known = new Set(previous.map(formatFieldError));
  return next.filter((e) => !known.has(formatFieldError(e)));
}

// ---- warnings ---------------------------------------------------------------------------------------------
// Values admitted as written that the controller cannot act on: the admission response carries them to the
// user (kubectl prints them) instead of rejecting a manifest CAPO accepts.

function machineSpecWarnings(spec: OpenStackMachineSpec | undefined, path: string): FieldError[] {
  return (spec?.additionalBlockDevices ?? []).flatMap((device, i) => {
    if ((blockDeviceTypes as readonly string[]).includes(device.storage.type)) return [];
    const error = notSupported(
      `${path}.additionalBlockDevices[${i}].storage.type`,
      device.storage.type,
      blockDeviceTypes,
    );
    return [{ ...error, detail: `${error.detail}; the controller cannot create this device` }];
  });
}

const clusterSpecWarnings = (spec: OpenStackClusterSpec | undefined, path: string) =>
  machineSpecWarnings(spec?.bastion?.spec, `${path}.bastion.spec`);

export const openStackClusterWarnings = (cluster: OpenStackCluster): FieldError[] =>
  clusterSpecWarnings(cluster.spec, "spec");
export const openStackClusterTemplateWarnings = (template: OpenStackClusterTemplate): FieldError[] =>
  clusterSpecWarnings(template.spec?.template.spec, "spec.template.spec");
export const openStackMachineWarnings = (machine: OpenStackMachine): FieldError[] =>
  machineSpecWarnings(machine.spec, "spec");
export const openStackMachineTemplateWarnings = (template: OpenStackMachineTemplate): FieldError[] =>
  machineSpecWarnings(template.spec?.template.spec, "spec.template.spec");

/** The warnings of an update: only those the old object did not have, as for the spec rules. */
export function updateWarnings<T>(warnings: (obj: T) => FieldError[], previous: T, next: T): FieldError[] {
  return ratchet(warnings(next), warnings(previous));
}

// ---- OpenStackCluster -----------------------------------------------------------------------------------

function bastionEnabled(spec: OpenStackClusterSpec): boolean {
  return spec.bastion !== undefined && spec.bastion.enabled !== false;
}

/**
 * Whether every change in `subnets` only replaces a filter by the id of the subnet it resolved to (matched
 * by name in status.network.subnets), which users do to pin a cluster to what it already uses.
 */
function subnetsPinnedToResolvedIDs(previous: OpenStackCluster, next: OpenStackClusterSpec): boolean {
  const before: SubnetParam[] = previous.spec?.subnets ?? [];
  const after: SubnetParam[] = next.subnets ?? [];
  const resolved = previous.status?.network?.subnets ?? [];
  if (before.length !== after.length || resolved.length === 0) return false;
  return before.every((old, i) => {
    const now = after[i];
    if (now === undefined) return false;
    if (old.id !== undefined) return now.id === old.id && now.filter === undefined;
    if (now.filter !== undefined) return semanticEqual(now.filter, old.filter);
    return resolved.some((s) => s.name === old.filter?.name && s.id === now.id);
  });
}

function clusterImmutabilityErrors(previous: OpenStackCluster, next: OpenStackCluster): FieldError[] {
  const errors: FieldError[] = [];
  const oldSpec = previous.spec;
  const newSpec = next.spec;
  if (oldSpec === undefined || newSpec === undefined) {
    return semanticEqual(oldSpec, newSpec) ? [] : [forbidden("spec", "cannot be modified")];
  }
  // Everything below removes what may change from both copies; whatever differs afterwards is forbidden.
  const before = copyWithout(
    oldSpec,
    "identityRef",
    "controlPlaneAvailabilityZones",
    "controlPlaneOmitAvailabilityZone",
  );
  const after = copyWithout(
    newSpec,
    "identityRef",
    "controlPlaneAvailabilityZones",
    "controlPlaneOmitAvailabilityZone",
  );
  const drop = (...keys: string[]) => {
    for (const key of keys) {
      Reflect.deleteProperty(before, key);
      Reflect.deleteProperty(after, key);
    }
  };

  // The endpoint may be set (by the user or the controller) until it has a host.
  if (oldSpec.controlPlaneEndpoint === undefined) Reflect.deleteProperty(after, "controlPlaneEndpoint");
  else if (oldSpec.controlPlaneEndpoint.host === "") drop("controlPlaneEndpoint");

  // Without a floating IP, the fixed IP and port of the API server may be set once.
  if (oldSpec.disableAPIServerFloatingIP === true) {
    if ((oldSpec.apiServerFixedIP ?? "") === "") drop("apiServerFixedIP");
    if (oldSpec.apiServerPort === undefined) Reflect.deleteProperty(after, "apiServerPort");
  }

  // The bastion may change in any way, but is disabled before it is removed.
  if (newSpec.bastion === undefined && bastionEnabled(oldSpec)) {
    errors.push(forbidden("spec.bastion", "cannot be removed before disabling it"));
  }
  drop("bastion");

  // Managed security group rules may change, and managed security groups may be enabled (not disabled).
  if (newSpec.managedSecurityGroups !== undefined) {
    before.managedSecurityGroups = copyWithout(
      oldSpec.managedSecurityGroups,
      "allNodesSecurityGroupRules",
      "allowAllInClusterTraffic",
    );
    after.managedSecurityGroups = copyWithout(
      newSpec.managedSecurityGroups,
      "allNodesSecurityGroupRules",
      "allowAllInClusterTraffic",
    );
  }

  errors.push(...managedSubnetErrors(oldSpec, newSpec, before, after));

  if (oldSpec.apiServerLoadBalancer !== undefined && newSpec.apiServerLoadBalancer !== undefined) {
    before.apiServerLoadBalancer = copyWithout(oldSpec.apiServerLoadBalancer, "allowedCIDRs");
    after.apiServerLoadBalancer = copyWithout(newSpec.apiServerLoadBalancer, "allowedCIDRs");
  }

  // The floating IP may be pinned to the one the load balancer got.
  const loadBalancerIP = previous.status?.apiServerLoadBalancer?.ip;
  if (loadBalancerIP !== undefined && (newSpec.apiServerFloatingIP ?? "") === loadBalancerIP) {
    drop("apiServerFloatingIP");
  }

  // Network and subnet filters may be replaced by the ids they resolved to.
  const resolvedNetwork = previous.status?.network;
  if (newSpec.network !== undefined && oldSpec.network !== undefined && resolvedNetwork !== undefined) {
    if (subnetsPinnedToResolvedIDs(previous, newSpec)) drop("subnets");
    if (newSpec.network.id === resolvedNetwork.id) drop("network");
  }

  if (!semanticEqual(before, after)) errors.push(forbidden("spec", "cannot be modified"));
  return errors;
}

/** Managed subnets may only change their DNS nameservers (matched by CIDR). */
function managedSubnetErrors(
  oldSpec: OpenStackClusterSpec,
  newSpec: OpenStackClusterSpec,
  before: Loose,
  after: Loose,
): FieldError[] {
  const oldSubnets = oldSpec.managedSubnets ?? [];
  const newSubnets = newSpec.managedSubnets ?? [];
  if (oldSubnets.length === 0 || newSubnets.length === 0) return [];
  if (oldSubnets.length !== newSubnets.length) {
    return [forbidden("spec.managedSubnets", "cannot add or remove subnets")];
  }
  const errors: FieldError[] = [];
  for (const subnet of newSubnets) {
    if (!oldSubnets.some((old) => old.cidr === subnet.cidr)) {
      errors.push(
        forbidden("spec.managedSubnets", `cannot change subnet CIDR from existing value to ${subnet.cidr}`),
      );
    }
  }
  if (errors.length === 0) {
    const withoutDNS = (subnets: readonly object[]) => subnets.map((s) => copyWithout(s, "dnsNameservers"));
    // Compare in old order so that the nameserver-only change is ignored whatever the list order.
    before.managedSubnets = withoutDNS(oldSubnets);
    after.managedSubnets = withoutDNS(
      oldSubnets.map((old) => newSubnets.find((s) => s.cidr === old.cidr) ?? old),
    );
  }
  return errors;
}

export function validateOpenStackCluster(cluster: OpenStackCluster): FieldError[] {
  return clusterSpecErrors(cluster.spec, "spec");
}

export function validateOpenStackClusterUpdate(
  previous: OpenStackCluster,
  next: OpenStackCluster,
): FieldError[] {
  return [
    ...ratchet(clusterSpecErrors(next.spec, "spec"), clusterSpecErrors(previous.spec, "spec")),
    ...clusterImmutabilityErrors(previous, next),
  ];
}

// ---- OpenStackMachine -------------------------------------------------------------------------------------

export function validateOpenStackMachine(machine: OpenStackMachine): FieldError[] {
  return machineSpecErrors(machine.spec, "spec");
}

export function validateOpenStackMachineUpdate(
  previous: OpenStackMachine,
  next: OpenStackMachine,
): FieldError[] {
  const errors = ratchet(machineSpecErrors(next.spec, "spec"), machineSpecErrors(previous.spec, "spec"));
  // The controller sets providerID once (CAPO v0.10 semantics; later CAPO lets it change at any time,
  // which CAPI never needs); the credentials may be rotated.
  const mutable = previous.spec?.providerID === undefined ? ["providerID", "identityRef"] : ["identityRef"];
  if (!semanticEqual(copyWithout(previous.spec, ...mutable), copyWithout(next.spec, ...mutable))) {
    errors.push(forbidden("spec", "cannot be modified"));
  }
  return errors;
}

// ---- templates --------------------------------------------------------------------------------------------

export interface TemplateUpdateOptions {
  /** The admission request is a dry run (`request.dryRun`). */
  dryRun?: boolean;
}

export function validateOpenStackMachineTemplate(template: OpenStackMachineTemplate): FieldError[] {
  const spec = template.spec?.template.spec;
  const errors = machineSpecErrors(spec, "spec.template.spec");
  if (spec?.providerID !== undefined) {
    errors.unshift(forbidden("spec.template.spec.providerID", "cannot be set in templates"));
  }
  return errors;
}

export function validateOpenStackMachineTemplateUpdate(
  previous: OpenStackMachineTemplate,
  next: OpenStackMachineTemplate,
  options: TemplateUpdateOptions = {},
): FieldError[] {
  const errors = ratchet(validateOpenStackMachineTemplate(next), validateOpenStackMachineTemplate(previous));
  // CAPI's topology controller dry-runs changed templates to compute its patches; it never persists them.
  const topologyDryRun =
    options.dryRun === true && next.metadata?.annotations?.[topologyDryRunAnnotation] !== undefined;
  if (!topologyDryRun && !semanticEqual(previous.spec?.template.spec, next.spec?.template.spec)) {
    errors.push(
      forbidden(
        "spec.template.spec",
        "OpenStackMachineTemplate spec.template.spec field is immutable. Please create a new resource instead. " +
          "Ref doc: https://cluster-api.sigs.k8s.io/tasks/change-machine-template.html",
      ),
    );
  }
  return errors;
}

export function validateOpenStackClusterTemplate(template: OpenStackClusterTemplate): FieldError[] {
  return clusterSpecErrors(template.spec?.template.spec, "spec.template.spec");
}

export function validateOpenStackClusterTemplateUpdate(
  previous: OpenStackClusterTemplate,
  next: OpenStackClusterTemplate,
): FieldError[] {
  const errors = ratchet(validateOpenStackClusterTemplate(next), validateOpenStackClusterTemplate(previous));
  if (!semanticEqual(previous.spec?.template.spec, next.spec?.template.spec)) {
    errors.push(
      forbidden(
        "spec.template.spec",
        "OpenStackClusterTemplate spec.template.spec field is immutable. Please create new resource instead.",
      ),
    );
  }
  return errors;
}
