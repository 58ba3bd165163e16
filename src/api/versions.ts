// Every API version we serve, oldest first; v1beta1 is the hub and the storage version.
import type { ApiVersion } from "./common/kinds.ts";
import { version as v1alpha5 } from "./v1alpha5/index.ts";
import { version as v1alpha6 } from "./v1alpha6/index.ts";
import { version as v1alpha7 } from "./v1alpha7/index.ts";
import { version as v1alpha8 } from "./v1alpha8/index.ts";
import { version as v1beta1 } from "./v1beta1/index.ts";

export const apiVersions: readonly ApiVersion[] = [v1alpha5, v1alpha6, v1alpha7, v1alpha8, v1beta1];

export const hubVersion = v1beta1.name;
