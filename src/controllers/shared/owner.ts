// The CAPI objects an infrastructure object belongs to, found the way CAPI links them: owner references
// (set by CAPI) and the cluster-name label.
import type { Reader } from "../../runtime/cache.ts";
import type { KubeObject } from "../../runtime/object.ts";
import { CAPI_GROUP, Clusters, Machines } from "../../runtime/resources.ts";

function ownerNamed(obj: KubeObject, kind: string): string | undefined {
  return obj.metadata.ownerReferences?.find(
    (o) => o.kind === kind && o.apiVersion.startsWith(`${CAPI_GROUP}/`),
  )?.name;
}

/** The owning CAPI Cluster; undefined until CAPI has set the owner reference. */
export async function ownerCluster(reader: Reader, obj: KubeObject): Promise<KubeObject | undefined> {
  const name = ownerNamed(obj, "Cluster");
  return name ? reader.get(Clusters, obj.metadata.namespace ?? "", name) : undefined;
}

/** The owning CAPI Machine; undefined until CAPI has set the owner reference. */
export async function ownerMachine(reader: Reader, obj: KubeObject): Promise<KubeObject | undefined> {
  const name = ownerNamed(obj, "Machine");
  return name ? reader.get(Machines, obj.metadata.namespace ?? "", name) : undefined;
}
