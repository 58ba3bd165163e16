// The v1beta1 validating and defaulting webhooks of the four kinds: src/api/v1beta1/validation.ts's rules
// and the schemas' defaults (the same the apiserver applies, so objects that bypassed it get them too).
import type { KindName } from "../api/common/kinds.ts";
import { applyDefaults } from "../api/common/defaults.ts";
import type { KubeObject } from "../api/conversion/data.ts";
import * as v1beta1 from "../api/v1beta1/index.ts";
import {
  validateOpenStackCluster,
  validateOpenStackClusterTemplate,
  validateOpenStackClusterTemplateUpdate,
  validateOpenStackClusterUpdate,
  validateOpenStackMachine,
  validateOpenStackMachineTemplate,
  validateOpenStackMachineTemplateUpdate,
  validateOpenStackMachineUpdate,
} from "../api/v1beta1/validation.ts";
import type { KindAdmission } from "./admission.ts";

function kindAdmission<T>(
  kind: KindName,
  create: (obj: T) => ReturnType<typeof validateOpenStackCluster>,
  update: (
    oldObj: T,
    newObj: T,
    options: { dryRun: boolean },
  ) => ReturnType<typeof validateOpenStackClusterUpdate>,
): KindAdmission {
  const schema = v1beta1.kinds[kind].schema;
  return {
    validateCreate: (obj) => ({ errors: create(obj as T) }),
    validateUpdate: (oldObj, newObj, request) => ({ errors: update(oldObj as T, newObj as T, request) }),
    default: (obj) => applyDefaults<KubeObject>(schema, obj),
  };
}

export const v1beta1Admission: Record<KindName, KindAdmission> = {
  OpenStackCluster: kindAdmission(
    "OpenStackCluster",
    validateOpenStackCluster,
    validateOpenStackClusterUpdate,
  ),
  OpenStackClusterTemplate: kindAdmission(
    "OpenStackClusterTemplate",
    validateOpenStackClusterTemplate,
    validateOpenStackClusterTemplateUpdate,
  ),
  OpenStackMachine: kindAdmission(
    "OpenStackMachine",
    validateOpenStackMachine,
    validateOpenStackMachineUpdate,
  ),
  OpenStackMachineTemplate: kindAdmission(
    "OpenStackMachineTemplate",
    validateOpenStackMachineTemplate,
    validateOpenStackMachineTemplateUpdate,
  ),
};
