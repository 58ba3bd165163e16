// The quickstart's person-facing half, after hack/quickstart.sh has applied the generated cluster on the local
// management cluster:
//   follow <cluster>   prints what is created and what each object waits for until the first control plane's
//                      server is up and the cluster's infrastructure is Ready, then what exists on OpenStack;
//   delete <cluster>   deletes the Cluster, follows it away, and proves with a sweep that nothing is left.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadBalancerName, clusterDescription, type ClusterRef } from "../src/cloud/names.ts";
import { clientFor, type OpenStackClient } from "../src/openstack/client.ts";
import { credentialFromClouds } from "../src/openstack/clouds.ts";
import { exactName } from "../src/openstack/compute.ts";
import { SessionRegistry } from "../src/openstack/session.ts";
import { isTrue, READY } from "../src/runtime/conditions.ts";
import { KubeClient, loadKubeConfig } from "../src/runtime/kube.ts";
import { Clusters } from "../src/runtime/resources.ts";
import { CLOUDS_YAML_PATH, readSeed } from "../test/env/openstack.ts";
import { assertNothingLeft, counts, inventory } from "../test/env/sweep.ts";
import { follow, snapshot, type Obj, type Snapshot } from "./quickstart/progress.ts";

const namespace = "default";
const say = (message: string): boolean => process.stdout.write(`\n${message}\n`);

function openstack(): OpenStackClient {
  const seed = readSeed();
  const cloudsYaml = readFileSync(CLOUDS_YAML_PATH, "utf8");
  return clientFor(
    new SessionRegistry(),
    credentialFromClouds({ cloudsYaml, cloudName: seed.OPENSTACK_CLOUD ?? "capo-e2e" }),
  );
}

const ofKind = (s: Snapshot, kind: string): Obj[] =>
  [...s.raw.entries()].filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => o);

// The Ready condition, not status.ready: a control plane's is True only once it is in the API load balancer.
const isReady = (o: Obj): boolean => isTrue(o, READY);

const isControlPlane = (o: Obj): boolean =>
  o.metadata.labels?.["cluster.x-k8s.io/control-plane"] !== undefined;

/** Where the quickstart can get to here: infrastructure Ready and the first control plane's server ACTIVE. */
function asFarAsItGoes(s: Snapshot): boolean {
  const infra = ofKind(s, "OpenStackCluster");
  const cps = ofKind(s, "OpenStackMachine").filter(isControlPlane);
  return infra.length === 1 && infra.every(isReady) && cps.length > 0 && cps.every(isReady);
}

/** The servers, load balancer and floating IPs of the cluster, as OpenStack lists them. */
async function showCloud(os: OpenStackClient, cluster: ClusterRef, machines: string[]): Promise<void> {
  const [servers, lbs, fips] = await Promise.all([
    Promise.all(machines.map((m) => os.compute.listServers({ name: exactName(m) }))).then((l) => l.flat()),
    os.loadBalancer.loadBalancers.list({ name: loadBalancerName(cluster) }),
    os.network.floatingIPs.list({ description: clusterDescription(cluster) }),
  ]);
  say("On OpenStack (project demo):");
  for (const s of servers) process.stdout.write(`  server         ${s.name}  ${s.status}  id ${s.id}\n`);
  for (const lb of lbs)
    process.stdout.write(
      `  load balancer  ${lb.name}  ${lb.provisioning_status}/${lb.operating_status}  VIP ${lb.vip_address}\n`,
    );
  for (const f of fips)
    process.stdout.write(
      `  floating IP    ${f.floating_ip_address} -> ${f.fixed_ip_address ?? "(unassociated)"}\n`,
    );
}

function kubectlGet(): void {
  say("kubectl get cluster,openstackcluster,machine,openstackmachine");
  spawnSync("kubectl", ["get", "cluster,openstackcluster,machine,openstackmachine", "-n", namespace], {
    stdio: "inherit",
  });
}

const WHERE_IT_STOPS = `Where this stops, and why:
  The cluster's network, router, security groups, API load balancer and floating IP exist, and the first
  control plane's server is ACTIVE behind the load balancer. Here the local Nova runs the fake hypervisor: its
  servers boot no operating system, so kubeadm never starts an API server and no node ever reports. Cluster
  API therefore waits as it would on a real cloud for a slow first node: the KubeadmControlPlane creates its
  other two machines only once the first one's API server answers, and the worker's KubeadmConfig holds its
  bootstrap data until the control plane is initialized. On a real OpenStack the same manifests go on from here.

  Delete it all: hack/quickstart.sh --delete     (stop the environments: hack/mgmt/cluster.sh stop,
                                                 hack/openstack/aio.sh stop)`;

async function followCreate(kube: KubeClient, name: string): Promise<void> {
  say(`Following ${namespace}/${name} (Ctrl-C stops watching; the cluster stays):`);
  const started = Date.now();
  const last = await follow(() => snapshot(kube, namespace, name), asFarAsItGoes, 600_000);
  say(
    `Infrastructure Ready and the first control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
  kubectlGet();
  const machines = ofKind(last, "OpenStackMachine").map((o) => o.metadata.name ?? "");
  await showCloud(openstack(), { namespace, name }, machines);
  say(WHERE_IT_STOPS);
}

async function followDelete(kube: KubeClient, name: string): Promise<void> {
  const before = await snapshot(kube, namespace, name);
  if (!before.raw.has(`Cluster/${name}`)) say(`No Cluster ${namespace}/${name}; sweeping the cloud anyway.`);
  else {
    say(`kubectl delete cluster ${name}: following it away`);
    await kube.delete(Clusters, namespace, name);
    const started = Date.now();
    await follow(
      () => snapshot(kube, namespace, name),
      (s) => s.objects.size === 0,
      600_000,
    );
    say(`Deleted in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  const machines = ofKind(before, "OpenStackMachine").map((o) => o.metadata.name ?? "");
  const left = await inventory(openstack(), { namespace, name }, { machineNames: machines });
  const tally = Object.entries(counts(left))
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  say(`Sweep of the cloud by the cluster's names, descriptions and server names: ${tally}.`);
  assertNothingLeft(left);
  say("Nothing of the cluster is left on OpenStack.");
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  if (!name || (command !== "follow" && command !== "delete"))
    throw new Error("usage: quickstart.ts follow|delete <cluster>");
  const kube = new KubeClient(loadKubeConfig(process.env.KUBECONFIG));
  await (command === "follow" ? followCreate(kube, name) : followDelete(kube, name));
}

try {
  await main();
} catch (e) {
  process.stderr.write(`[quickstart] ${(e as Error).message}\n`);
  process.exitCode = 1;
}
