// Every API version we serve, oldest first; v1beta1 is the hub and the storage version.
import type { ApiVersion } from "./common/kinds.ts";
import { version as v1beta1 } from "./v1beta1/index.ts";

export const apiVersions: readonly ApiVersion[] = [v1beta1];

export const hubVersion = v1beta1.name;
