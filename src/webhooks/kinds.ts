// The v1beta1 validating and defaulting webhooks of the four kinds: src/api/v1beta1/validation.ts's rules
// and warnings, and the schemas' defaults (the same the apiserver applies, so objects that bypassed it get
// them too).
import type { KindName } from "../api/common/kinds.ts";
import { applyDefaults } from "../api/common/defaults.ts";
import { formatFieldError, type FieldError } from "../api/common/field-errors.ts";
import type { KubeObject } from "../api/conversion/data.ts";
import * as v1beta1 from "../api/v1beta1/index.ts";
import {
  openStackClusterTemplateWarnings,
  openStackClusterWarnings,
  openStackMachineTemplateWarnings,
  openStackMachineWarnings,
  updateWarnings,
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

interface KindRules<T> {
  create: (obj: T) => FieldError[];
  update: (oldObj: T, newObj: T, options: { dryRun: boolean }) => FieldError[];
  warnings: (obj: T) => FieldError[];
}

function kindAdmission<T>(kind: KindName, rules: KindRules<T>): KindAdmission {
  const schema = v1beta1.kinds[kind].schema;
  return {
    validateCreate: (obj) => ({
      errors: rules.create(obj as T),
      warnings: rules.warnings(obj as T).map(formatFieldError),
    }),
    validateUpdate: (oldObj, newObj, request) => ({
      errors: rules.update(oldObj as T, newObj as T, request),
      warnings: updateWarnings(rules.warnings, oldObj as T, newObj as T).map(formatFieldError),
    }),
    default: (obj) => applyDefaults<KubeObject>(schema, obj),
  };
}

export const v1beta1Admission: Record<KindName, KindAdmission> = {
  OpenStackCluster: kindAdmission("OpenStackCluster", {
    create: validateOpenStackCluster,
    update: validateOpenStackClusterUpdate,
    warnings: openStackClusterWarnings,
  }),
  OpenStackClusterTemplate: kindAdmission("OpenStackClusterTemplate", {
    create: validateOpenStackClusterTemplate,
    update: validateOpenStackClusterTemplateUpdate,
    warnings: openStackClusterTemplateWarnings,
  }),
  OpenStackMachine: kindAdmission("OpenStackMachine", {
    create: validateOpenStackMachine,
    update: validateOpenStackMachineUpdate,
    warnings: openStackMachineWarnings,
  }),
  OpenStackMachineTemplate: kindAdmission("OpenStackMachineTemplate", {
    create: validateOpenStackMachineTemplate,
    update: validateOpenStackMachineTemplateUpdate,
    warnings: openStackMachineTemplateWarnings,
  }),
};
