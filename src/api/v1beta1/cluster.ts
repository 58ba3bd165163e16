// v1beta1 OpenStackCluster spec and status.
import { Type, type Static } from "typebox";
import { APIEndpointSchema, ConditionsSchema, FailureDomainsSchema } from "../common/capi.ts";
import { cel, described, listAtomic, listMap, listSet, object, stringEnum } from "../common/schema.ts";
import { NetworkParamSchema, RouterParamSchema, SubnetParamSchema } from "./filters.ts";
import {
  MachineResourcesSchema,
  OpenStackIdentityReferenceSchema,
  OpenStackMachineSpecSchema,
  ResolvedMachineSpecSchema,
} from "./machine.ts";

const str = (description: string) => Type.Optional(Type.String({ description }));
const bool = (description: string) => Type.Optional(Type.Boolean({ description }));
const int = (description: string) => Type.Optional(Type.Integer({ description }));

export const AllocationPoolSchema = object(
  {
    start: Type.String({ description: "First IP address of the pool." }),
    end: Type.String({ description: "Last IP address of the pool." }),
  },
  { description: "A range of IP addresses Neutron allocates from." },
);
export type AllocationPool = Static<typeof AllocationPoolSchema>;

export const SubnetSpecSchema = object(
  {
    cidr: Type.String({ description: "CIDR of the subnet to create, e.g. 10.6.0.0/24." }),
    dnsNameservers: Type.Optional(
      Type.Array(Type.String(), { description: "DNS servers of the subnet; may be changed later." }),
    ),
    allocationPools: Type.Optional(
      Type.Array(AllocationPoolSchema, { description: "Ranges to allocate from; the whole CIDR if unset." }),
    ),
  },
  { description: "A subnet the controller creates (with its network and router)." },
);
export type SubnetSpec = Static<typeof SubnetSpecSchema>;

export const ExternalRouterIPParamSchema = object({
  fixedIP: str("IP address of the router on the external network."),
  subnet: described(SubnetParamSchema, "Subnet of the external network the IP is in."),
});
export type ExternalRouterIPParam = Static<typeof ExternalRouterIPParamSchema>;

export const APIServerLoadBalancerSchema = object(
  {
    enabled: Type.Boolean({
      default: true,
      description: "Create an Octavia load balancer for the API server.",
    }),
    additionalPorts: Type.Optional(
      listSet(Type.Integer(), { description: "More TCP ports to balance to the control plane nodes." }),
    ),
    allowedCIDRs: Type.Optional(
      listSet(Type.String(), { description: "CIDRs allowed to reach the load balancer; any if empty." }),
    ),
    provider: str("Octavia provider of the load balancer; Octavia's default if unset."),
    network: Type.Optional(
      described(NetworkParamSchema, "Network of the VIP; the cluster network if unset."),
    ),
    subnets: Type.Optional(
      listAtomic(SubnetParamSchema, {
        description: "Subnet of the VIP (the first is used); the cluster's if unset.",
      }),
    ),
    availabilityZone: str("Octavia availability zone of the load balancer."),
  },
  { description: "The API server load balancer; none if unset." },
);
export type APIServerLoadBalancer = Static<typeof APIServerLoadBalancerSchema>;

export const ManagedSecurityGroupNameSchema = stringEnum(["bastion", "controlplane", "worker"]);
export type ManagedSecurityGroupName = Static<typeof ManagedSecurityGroupNameSchema>;

export const SecurityGroupRuleSpecSchema = object(
  {
    name: Type.String({ description: "Identifies the rule in this list; not sent to Neutron." }),
    description: str("Description of the rule."),
    direction: Type.String({ description: "ingress or egress." }),
    etherType: str("IPv4 or IPv6."),
    portRangeMin: int("Lowest port of the range; the ICMP type for ICMP."),
    portRangeMax: int("Highest port of the range; the ICMP code for ICMP."),
    protocol: str("Protocol name (tcp, udp, icmp, ...) or number; any if unset."),
    remoteGroupID: str("ID of the remote security group. At most one of the remote fields may be set."),
    remoteIPPrefix: str("Remote CIDR. At most one of the remote fields may be set."),
    remoteManagedGroups: Type.Optional(
      Type.Array(ManagedSecurityGroupNameSchema, {
        description:
          "Managed security groups as remote: one Neutron rule each. At most one remote field may be set.",
      }),
    ),
  },
  { description: "A rule added to the managed security groups." },
);
export type SecurityGroupRuleSpec = Static<typeof SecurityGroupRuleSpecSchema>;

export const ManagedSecurityGroupsSchema = object(
  {
    allNodesSecurityGroupRules: Type.Optional(
      listMap(SecurityGroupRuleSpecSchema, ["name"], {
        description: "Rules added to both the control plane and the worker security groups.",
      }),
    ),
    allowAllInClusterTraffic: Type.Boolean({
      default: false,
      description: "Allow all traffic between cluster nodes instead of only the ports Kubernetes needs.",
    }),
  },
  { description: "Security groups the controller creates and manages; none if unset." },
);
export type ManagedSecurityGroups = Static<typeof ManagedSecurityGroupsSchema>;

export const BastionSchema = object(
  {
    enabled: Type.Optional(
      Type.Boolean({ default: true, description: "Whether the bastion exists; disable before removing it." }),
    ),
    spec: Type.Optional(described(OpenStackMachineSpecSchema, "Machine spec of the bastion server.")),
    availabilityZone: str("Nova availability zone of the bastion."),
    floatingIP: Type.Optional(
      Type.String({ format: "ipv4", description: "Floating IP of the bastion; allocated if unset." }),
    ),
  },
  {
    description: "An SSH bastion host with a floating IP, for access to the nodes.",
    "x-kubernetes-validations": [
      cel("!self.enabled || has(self.spec)", "spec is required if bastion is enabled"),
    ],
  },
);
export type Bastion = Static<typeof BastionSchema>;

export const OpenStackClusterSpecSchema = object(
  {
    managedSubnets: Type.Optional(
      listAtomic(SubnetSpecSchema, {
        maxItems: 1,
        description: "Create a network, this subnet and a router; mutually exclusive with network.",
      }),
    ),
    router: Type.Optional(described(RouterParamSchema, "Existing router to attach the managed subnet to.")),
    network: Type.Optional(described(NetworkParamSchema, "Existing network of the cluster.")),
    subnets: Type.Optional(
      listAtomic(SubnetParamSchema, {
        maxItems: 2,
        description: "Subnets of network to use (at most one per IP family); all of the network's if unset.",
      }),
    ),
    networkMTU: int("MTU of the network the controller creates."),
    externalRouterIPs: Type.Optional(
      listAtomic(ExternalRouterIPParamSchema, {
        description: "Fixed IPs of the managed router's external gateway.",
      }),
    ),
    externalNetwork: Type.Optional(
      described(NetworkParamSchema, "External network for the router and floating IPs; discovered if unset."),
    ),
    disableExternalNetwork: bool("Do not connect the cluster to an external network at all."),
    apiServerLoadBalancer: Type.Optional(APIServerLoadBalancerSchema),
    disableAPIServerFloatingIP: bool("Do not give the API server a floating IP."),
    apiServerFloatingIP: str("Floating IP of the API server; allocated if unset."),
    apiServerFixedIP: str("Fixed IP of the API server (the VIP with a load balancer)."),
    apiServerPort: int("Port of the API server; 6443 if unset."),
    managedSecurityGroups: Type.Optional(ManagedSecurityGroupsSchema),
    disablePortSecurity: bool("Disable port security on the network the controller creates."),
    tags: Type.Optional(
      listSet(Type.String(), { description: "Tags added to every resource the controller creates." }),
    ),
    controlPlaneEndpoint: Type.Optional(
      described(APIEndpointSchema, "Endpoint of the API server; set by the controller, or once by the user."),
    ),
    controlPlaneAvailabilityZones: Type.Optional(
      listSet(Type.String(), {
        description: "Nova availability zones for control plane nodes; all if unset.",
      }),
    ),
    controlPlaneOmitAvailabilityZone: bool("Let Nova choose the availability zone of control plane nodes."),
    bastion: Type.Optional(BastionSchema),
    identityRef: described(OpenStackIdentityReferenceSchema, "Credentials of the cloud."),
  },
  {
    description: "OpenStackClusterSpec defines the desired state of OpenStackCluster.",
    "x-kubernetes-validations": [
      cel(
        "has(self.disableExternalNetwork) && self.disableExternalNetwork ? !has(self.bastion) || !has(self.bastion.floatingIP) : true",
        "bastion floating IP cannot be set when disableExternalNetwork is true",
      ),
      cel(
        "has(self.disableExternalNetwork) && self.disableExternalNetwork ? has(self.disableAPIServerFloatingIP) && self.disableAPIServerFloatingIP : true",
        "disableAPIServerFloatingIP cannot be false when disableExternalNetwork is true",
      ),
    ],
  },
);
export type OpenStackClusterSpec = Static<typeof OpenStackClusterSpecSchema>;

const nameID = {
  name: Type.String({ description: "Name of the resource." }),
  id: Type.String({ description: "ID of the resource." }),
};
const tags = Type.Optional(Type.Array(Type.String(), { description: "Tags of the resource." }));

export const NetworkStatusSchema = object({ ...nameID, tags }, { description: "A Neutron network." });
export type NetworkStatus = Static<typeof NetworkStatusSchema>;

export const SubnetSchema = object(
  { ...nameID, cidr: Type.String({ description: "CIDR of the subnet." }), tags },
  { description: "A Neutron subnet." },
);
export type Subnet = Static<typeof SubnetSchema>;

export const NetworkStatusWithSubnetsSchema = object(
  { ...NetworkStatusSchema.properties, subnets: Type.Optional(Type.Array(SubnetSchema)) },
  { description: "A Neutron network and its subnets." },
);
export type NetworkStatusWithSubnets = Static<typeof NetworkStatusWithSubnetsSchema>;

export const RouterSchema = object(
  {
    ...nameID,
    tags,
    ips: Type.Optional(Type.Array(Type.String(), { description: "IPs of the router's external gateway." })),
  },
  { description: "A Neutron router." },
);
export type Router = Static<typeof RouterSchema>;

export const LoadBalancerSchema = object(
  {
    ...nameID,
    ip: Type.String({ description: "Floating IP of the load balancer." }),
    internalIP: Type.String({ description: "VIP of the load balancer." }),
    allowedCIDRs: Type.Optional(
      Type.Array(Type.String(), { description: "CIDRs allowed on its listeners." }),
    ),
    tags,
    loadBalancerNetwork: Type.Optional(NetworkStatusWithSubnetsSchema),
  },
  { description: "An Octavia load balancer." },
);
export type LoadBalancer = Static<typeof LoadBalancerSchema>;

export const SecurityGroupStatusSchema = object(nameID, { description: "A managed security group." });
export type SecurityGroupStatus = Static<typeof SecurityGroupStatusSchema>;

export const BastionStatusSchema = object(
  {
    id: str("ID of the bastion server."),
    name: str("Name of the bastion server."),
    sshKeyName: str("Nova keypair of the bastion."),
    state: str("State of the bastion server."),
    ip: str("Fixed IP of the bastion."),
    floatingIP: str("Floating IP of the bastion."),
    resolved: Type.Optional(ResolvedMachineSpecSchema),
    resources: Type.Optional(MachineResourcesSchema),
  },
  { description: "The bastion server." },
);
export type BastionStatus = Static<typeof BastionStatusSchema>;

export const OpenStackClusterStatusSchema = object(
  {
    ready: Type.Boolean({
      default: false,
      description: "The cluster's infrastructure is ready for machines.",
    }),
    network: Type.Optional(NetworkStatusWithSubnetsSchema),
    externalNetwork: Type.Optional(NetworkStatusSchema),
    router: Type.Optional(RouterSchema),
    apiServerLoadBalancer: Type.Optional(LoadBalancerSchema),
    failureDomains: Type.Optional(FailureDomainsSchema),
    controlPlaneSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    workerSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    bastionSecurityGroup: Type.Optional(SecurityGroupStatusSchema),
    bastion: Type.Optional(BastionStatusSchema),
    failureReason: str("Set on a terminal problem that needs a human, as a machine-readable reason."),
    failureMessage: str("Set on a terminal problem that needs a human, as a message."),
    // Not in CAPO v0.10's v1beta1: later CAPO releases added it, so that an error is visible in
    // `kubectl describe`. Older versions keep it through the conversion-data annotation.
    conditions: Type.Optional(ConditionsSchema),
  },
  { description: "OpenStackClusterStatus defines the observed state of OpenStackCluster." },
);
export type OpenStackClusterStatus = Static<typeof OpenStackClusterStatusSchema>;
