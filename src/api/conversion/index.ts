// The converter for every version capo-ts serves: v1beta1 is the hub, each alpha converts to and from it.
import { createConverter } from "./convert.ts";
import { conversions as v1alpha5 } from "./v1alpha5.ts";
import { conversions as v1alpha6 } from "./v1alpha6.ts";
import { conversions as v1alpha7 } from "./v1alpha7.ts";
import { conversions as v1alpha8 } from "./v1alpha8.ts";

export { ConversionError, HubVersion, type Converter } from "./convert.ts";
export { DataAnnotation, type KubeObject } from "./data.ts";

export const converter = createConverter({ v1alpha8, v1alpha7, v1alpha6, v1alpha5 });
