// How a node boots and names itself: cloud-init images (the default) fill in Nova's hostname and instance ID
// through cloud-init's Jinja; Flatcar boots with Ignition, where coreos-metadata writes them into
// /run/metadata/flatcar and the preKubeadmCommands substitute them into kubeadm's config. `$${X}` is
// clusterctl's escape: it renders as `${X}`, left for the node's envsubst.
import { stringify } from "yaml";

export interface NodeBoot {
  nodeName: string;
  providerID: string;
  /** Ignition only: the Container Linux Config merged into the bootstrap data, and the commands before kubeadm. */
  ignition?: { additionalConfig: string; preKubeadmCommands: string[] };
}

export const cloudInit: NodeBoot = {
  nodeName: "{{ local_hostname }}",
  providerID: "openstack:///'{{ instance_id }}'",
};

interface Unit {
  name: string;
  enabled?: boolean;
  mask?: boolean | string;
  dropins?: { name: string; contents: string }[];
}

/** coreos-metadata fetches the hostname and instance ID before kubeadm runs; the SSH keys from Nova too. */
const metadataUnits: Unit[] = [
  { name: "coreos-metadata-sshkeys@.service", enabled: true },
  {
    name: "kubeadm.service",
    enabled: true,
    dropins: [
      {
        name: "10-flatcar.conf",
        contents: [
          "[Unit]",
          "Requires=containerd.service coreos-metadata.service",
          "After=containerd.service coreos-metadata.service",
          "",
          "[Service]",
          "EnvironmentFile=/run/metadata/flatcar",
          "",
        ].join("\n"),
      },
    ],
  },
];

function flatcar(config: { storage?: object; units: Unit[] }): NodeBoot {
  return {
    nodeName: "$${COREOS_OPENSTACK_HOSTNAME}",
    providerID: "openstack:///$${COREOS_OPENSTACK_INSTANCE_UUID}",
    ignition: {
      additionalConfig: stringify(
        { ...(config.storage ? { storage: config.storage } : {}), systemd: { units: config.units } },
        { lineWidth: 0 },
      ),
      preKubeadmCommands: [
        // Nova's hostname may be a FQDN; the node name is its first label.
        "export COREOS_OPENSTACK_HOSTNAME=$${COREOS_OPENSTACK_HOSTNAME%.*}",
        "export COREOS_OPENSTACK_INSTANCE_UUID=$${COREOS_OPENSTACK_INSTANCE_UUID}",
        "envsubst < /etc/kubeadm.yml > /etc/kubeadm.yml.tmp",
        "mv /etc/kubeadm.yml.tmp /etc/kubeadm.yml",
      ],
    },
  };
}

/** A Flatcar image built by image-builder: Kubernetes is in the image. */
export const flatcarImage: NodeBoot = flatcar({ units: metadataUnits });

const BAKERY = "https://github.com/flatcar/sysext-bakery/releases/download/latest";
const SYSEXT = "/opt/extensions/kubernetes/kubernetes-${KUBERNETES_VERSION}-x86-64.raw";
// clusterctl's envsubst cuts the patch version: kubernetes-v1.33.conf follows v1.33's patch releases.
const MINOR = "${KUBERNETES_VERSION%.*}";

/**
 * A plain Flatcar image: Kubernetes comes as a systemd-sysext image from Flatcar's sysext-bakery, and
 * systemd-sysupdate can follow its patch releases (its timer is off: `systemctl enable --now
 * systemd-sysupdate.timer` turns it on; a reboot applies an update, e.g. coordinated by Kured).
 * FLATCAR_DISABLE_AUTO_UPDATE=false lets Flatcar update itself.
 */
export const flatcarSysext: NodeBoot = flatcar({
  storage: {
    links: [{ path: "/etc/extensions/kubernetes.raw", hard: false, target: SYSEXT }],
    files: [
      {
        path: `/etc/sysupdate.kubernetes.d/kubernetes-${MINOR}.conf`,
        url: `${BAKERY}/kubernetes-${MINOR}.conf`,
      },
      { path: "/etc/sysupdate.d/noop.conf", url: `${BAKERY}/noop.conf` },
      { path: SYSEXT, url: `${BAKERY}/kubernetes-\${KUBERNETES_VERSION}-x86-64.raw` },
    ].map(({ path, url }) => ({
      path,
      ...(path === SYSEXT ? {} : { mode: 0o644 }),
      contents: { remote: { url } },
    })),
  },
  units: [
    {
      name: "systemd-sysupdate.service",
      dropins: [
        {
          name: "kubernetes.conf",
          contents: [
            "[Service]",
            'ExecStartPre=/usr/bin/sh -c "readlink --canonicalize /etc/extensions/kubernetes.raw > /tmp/kubernetes"',
            "ExecStartPre=/usr/lib/systemd/systemd-sysupdate -C kubernetes update",
            'ExecStartPost=/usr/bin/sh -c "readlink --canonicalize /etc/extensions/kubernetes.raw > /tmp/kubernetes-new"',
            'ExecStartPost=/usr/bin/sh -c "if ! cmp --silent /tmp/kubernetes /tmp/kubernetes-new; then touch /run/reboot-required; fi"',
            "",
          ].join("\n"),
        },
      ],
    },
    { name: "update-engine.service", mask: "${FLATCAR_DISABLE_AUTO_UPDATE:=true}" },
    // Reboots after an update are for Kured to coordinate, not locksmith.
    { name: "locksmithd.service", mask: true },
    { name: "systemd-sysupdate.timer", enabled: false },
    ...metadataUnits,
  ],
});
