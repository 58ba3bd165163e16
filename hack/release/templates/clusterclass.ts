// The ClusterClass dev-test (CAPO v0.10's, on our v1beta1) and the development cluster that uses it. Its
// templates are the default flavor's, from the same builders; the variables patch them per cluster. v0.10 picks
// the image by name (no ORC): imageName, plus the Kubernetes version when addImageVersion.
import { cloudInit } from "./boot.ts";
import {
  BOOTSTRAP,
  CAPI,
  CLUSTER_NAME,
  CONTROL_PLANE,
  INFRA,
  type Obj,
  kubeadmConfigSpec,
  kubeadmConfigTemplate,
  machineSpec,
  obj,
  openStackClusterSpec,
  openStackMachineTemplate,
} from "./objects.ts";

const CLASS = "dev-test";
const names = {
  controlPlane: `${CLASS}-control-plane`,
  controlPlaneMachine: `${CLASS}-control-plane-machine`,
  cluster: `${CLASS}-openstackcluster`,
  workerBootstrap: `${CLASS}-default-worker-bootstraptemplate`,
  workerMachine: `${CLASS}-default-worker-machine`,
  workerClass: "default-worker",
};
/** The Secret every dev-test cluster needs unless its identityRef variable names another. */
const CLOUD_CONFIG = `${CLASS}-cloud-config`;
const SSH_KEY = '${OPENSTACK_SSH_KEY_NAME:=""}';

const ref = (apiVersion: string, kind: string, name: string) => ({ ref: { apiVersion, kind, name } });
const str = (description: string, def?: string) => ({
  type: "string",
  description,
  ...(def === undefined ? {} : { default: def }),
});

/** CAPI ClusterClass variables: OpenAPI schemas, defaulted and validated per Cluster. */
const variables = [
  {
    name: "identityRef",
    required: false,
    schema: {
      openAPIV3Schema: {
        type: "object",
        description: "The Secret with the clouds.yaml, and the cloud in it.",
        properties: {
          name: str("Name of the Secret.", CLOUD_CONFIG),
          cloudName: str("Name of the cloud in clouds.yaml.", "capo-e2e"),
        },
      },
    },
  },
  {
    name: "imageName",
    required: false,
    schema: {
      openAPIV3Schema: str(
        "Glance image of the machines, without the version addImageVersion adds.",
        "ubuntu-2204-kube",
      ),
    },
  },
  {
    name: "addImageVersion",
    required: false,
    schema: {
      openAPIV3Schema: {
        type: "boolean",
        default: true,
        description: "Append -<Kubernetes version> to imageName (e.g. ubuntu-2204-kube-v1.33.0).",
      },
    },
  },
  {
    name: "allowedCIDRs",
    required: false,
    schema: {
      openAPIV3Schema: {
        type: "array",
        default: [],
        items: { type: "string" },
        description: "CIDRs allowed to reach the API server load balancer; any if empty.",
      },
    },
  },
  {
    name: "bastion",
    required: false,
    schema: {
      openAPIV3Schema: {
        type: "object",
        default: { enabled: false },
        description: "An SSH bastion with a floating IP.",
        properties: {
          enabled: { type: "boolean", default: false, description: "Whether the bastion exists." },
          spec: {
            type: "object",
            description: "The bastion's machine.",
            properties: {
              flavor: str("Nova flavor."),
              image: {
                type: "object",
                description: "Glance image: an ID or a filter.",
                properties: {
                  id: str("ID of the image."),
                  filter: { type: "object", properties: { name: str("Name of the image.") } },
                },
              },
              sshKeyName: str("Nova keypair."),
            },
          },
          floatingIP: str("Floating IP of the bastion; allocated if unset."),
          availabilityZone: str("Nova availability zone of the bastion."),
        },
      },
    },
  },
];

type Selector = Record<string, unknown>;
const machines = (matchResources: Selector) => ({
  apiVersion: INFRA,
  kind: "OpenStackMachineTemplate",
  matchResources,
});
const openStackClusterTemplate = {
  apiVersion: INFRA,
  kind: "OpenStackClusterTemplate",
  matchResources: { infrastructureCluster: true },
};

/** A JSON patch of the OpenStackClusterTemplate with a variable's value, when `enabledIf` renders "true". */
const clusterPatch = (variable: string, path: string, enabledIf: string) => ({
  name: variable,
  enabledIf,
  definitions: [
    {
      selector: openStackClusterTemplate,
      jsonPatches: [{ op: "add", path: `/spec/template/spec/${path}`, valueFrom: { variable } }],
    },
  ],
});

const imageName = (version: string) =>
  `{{ .imageName }}{{ if .addImageVersion }}-{{ .builtin.${version}.version }}{{ end }}`;

const patches = [
  {
    name: "imageName",
    description:
      "Sets the Glance image of the machines by name, with the Kubernetes version when addImageVersion.",
    definitions: [
      [machines({ controlPlane: true }), "controlPlane"],
      [machines({ machineDeploymentClass: { names: [names.workerClass] } }), "machineDeployment"],
    ].map(([selector, version]) => ({
      selector,
      jsonPatches: [
        {
          op: "replace",
          path: "/spec/template/spec/image/filter/name",
          valueFrom: { template: imageName(version as string) },
        },
      ],
    })),
  },
  clusterPatch("identityRef", "identityRef", "{{ if .identityRef }}true{{ end }}"),
  clusterPatch("allowedCIDRs", "apiServerLoadBalancer/allowedCIDRs", "{{ if .allowedCIDRs }}true{{ end }}"),
  clusterPatch("bastion", "bastion", "{{ if .bastion.enabled }}true{{ end }}"),
];

function clusterClass(): Obj {
  return obj(CAPI, "ClusterClass", CLASS, {
    spec: {
      controlPlane: {
        ...ref(CONTROL_PLANE, "KubeadmControlPlaneTemplate", names.controlPlane),
        machineInfrastructure: ref(INFRA, "OpenStackMachineTemplate", names.controlPlaneMachine),
      },
      infrastructure: ref(INFRA, "OpenStackClusterTemplate", names.cluster),
      workers: {
        machineDeployments: [
          {
            class: names.workerClass,
            template: {
              bootstrap: ref(BOOTSTRAP, "KubeadmConfigTemplate", names.workerBootstrap),
              infrastructure: ref(INFRA, "OpenStackMachineTemplate", names.workerMachine),
            },
          },
        ],
      },
      variables,
      patches,
    },
  });
}

// The imageName patch replaces this.
const PATCHED = "overridden-by-patch";

export function clusterClassObjects(): Obj[] {
  return [
    clusterClass(),
    obj(CONTROL_PLANE, "KubeadmControlPlaneTemplate", names.controlPlane, {
      spec: { template: { spec: { kubeadmConfigSpec: kubeadmConfigSpec(cloudInit) } } },
    }),
    kubeadmConfigTemplate(cloudInit, names.workerBootstrap),
    obj(INFRA, "OpenStackClusterTemplate", names.cluster, {
      spec: {
        template: {
          spec: openStackClusterSpec({
            identityRef: { name: CLOUD_CONFIG, cloudName: "${OPENSTACK_CLOUD:=capo-e2e}" },
            externalNetwork: { filter: { name: "${OPENSTACK_EXTERNAL_NETWORK_NAME:=public}" } },
            loadBalancer: true,
            dnsNameservers: ["8.8.8.8"],
          }),
        },
      },
    }),
    openStackMachineTemplate(
      names.controlPlaneMachine,
      machineSpec("${OPENSTACK_CONTROL_PLANE_MACHINE_FLAVOR:=m1.medium}", PATCHED, SSH_KEY),
    ),
    openStackMachineTemplate(
      names.workerMachine,
      machineSpec("${OPENSTACK_NODE_MACHINE_FLAVOR:=m1.small}", PATCHED, SSH_KEY),
    ),
  ];
}

/** The book's `clusterctl generate cluster my-cluster --from templates/cluster-template-development.yaml`. */
export function developmentCluster(): Obj {
  return obj(CAPI, "Cluster", CLUSTER_NAME, {
    spec: {
      clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] }, serviceDomain: "cluster.local" },
      topology: {
        class: CLASS,
        version: "${KUBERNETES_VERSION}",
        controlPlane: { replicas: "${CONTROL_PLANE_MACHINE_COUNT}" },
        workers: {
          machineDeployments: [
            { class: names.workerClass, name: "md-0", replicas: "${WORKER_MACHINE_COUNT}" },
          ],
        },
        variables: [
          {
            name: "identityRef",
            value: {
              name: `\${CLOUD_CONFIG_SECRET:=${CLOUD_CONFIG}}`,
              cloudName: "${OPENSTACK_CLOUD:=capo-e2e}",
            },
          },
          { name: "allowedCIDRs", value: "${OPENSTACK_API_SERVER_ALLOWED_CIDRS:=[]}" },
          {
            name: "bastion",
            value: {
              enabled: "${OPENSTACK_BASTION_ENABLED:=false}",
              spec: {
                flavor: "${OPENSTACK_BASTION_FLAVOR:=m1.small}",
                image: { filter: { name: "${OPENSTACK_BASTION_IMAGE_NAME:=ubuntu-24.04}" } },
                sshKeyName: SSH_KEY,
              },
            },
          },
        ],
      },
    },
  });
}
