// Every name and description CAPO gives an OpenStack resource, in one place: the reconcilers create by these
// names, find-before-create looks them up, and delete sweeps by them. Names are the contract with clusters
// that CAPO (or an earlier capo-ts) created, so they are CAPO's exactly, including its quirks (the port
// description names the cluster without its namespace; the bastion uses the Cluster name, not <ns>-<name>).

/** A Cluster as CAPO names things after it: `<ns>-<cluster>` is the "cluster resource name". */
export interface ClusterRef {
  namespace: string;
  name: string;
}

export const clusterResourceName = (c: ClusterRef): string => `${c.namespace}-${c.name}`;

/** Network, subnet and router: `k8s-clusterapi-cluster-<ns>-<cluster>`. */
export const networkName = (c: ClusterRef): string => `k8s-clusterapi-cluster-${clusterResourceName(c)}`;
export const subnetName = networkName;
export const routerName = networkName;

/** Subnet, router, load balancer and cluster floating IPs share this description. */
export const clusterDescription = (c: ClusterRef): string =>
  `Created by cluster-api-provider-openstack cluster ${clusterResourceName(c)}`;

export type SecurityGroupRole = "controlplane" | "worker" | "bastion";
export const securityGroupName = (c: ClusterRef, role: SecurityGroupRole): string =>
  `k8s-cluster-${clusterResourceName(c)}-secgroup-${role}`;
export const SECURITY_GROUP_DESCRIPTION = "Cluster API managed group";

export const loadBalancerName = (c: ClusterRef): string => `${networkName(c)}-kubeapi`;
/** Listener, pool and monitor of one port share the name `<lb>-<port>`. */
export const listenerName = (lbName: string, port: number): string => `${lbName}-${port}`;
export const poolName = listenerName;
export const monitorName = listenerName;
export const memberName = (lbName: string, port: number, machine: string): string =>
  `${lbName}-${port}-${machine}`;

/** The bastion server: the Cluster's name, not <ns>-<cluster>. */
export const bastionName = (clusterName: string): string => `${clusterName}-bastion`;

/** A machine's port: `<server>-<index>` or `<server>-<nameSuffix>`. Trunks take the port's name. */
export const portName = (server: string, index: number, nameSuffix?: string): string =>
  `${server}-${nameSuffix ?? String(index)}`;
/** CAPO names the cluster by its cluster-name label here, without the namespace. */
export const portDescription = (clusterName: string): string =>
  `Created by cluster-api-provider-openstack cluster ${clusterName}`;

export const rootVolumeName = (server: string): string => `${server}-root`;
export const rootVolumeDescription = (server: string): string => `Root volume for ${server}`;
export const blockDeviceVolumeName = (server: string, device: string): string => `${server}-${device}`;
export const blockDeviceDescription = (server: string): string => `Additional block device for ${server}`;

export const fipPoolTag = (pool: string): string => `cluster-api-provider-openstack-fip-pool-${pool}`;
export const fipPoolDescription = (pool: string): string =>
  `Created by cluster-api-provider-openstack OpenStackFloatingIPPool ${pool}`;
export const ipAddressClaimName = (server: string): string => `${server}-floating-ip-address`;
