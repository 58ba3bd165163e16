// The `/convert` endpoint: ConversionReview (apiextensions.k8s.io/v1) in, ConversionReview out.
import type { Converter } from "../api/conversion/convert.ts";
import type { KubeObject } from "../api/conversion/data.ts";
import { isObject } from "../api/conversion/json.ts";

export interface ConversionReview {
  apiVersion: string;
  kind: "ConversionReview";
  request?: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
  response?: {
    uid: string;
    convertedObjects: KubeObject[];
    result: { status: "Success" | "Failure"; message?: string };
  };
}

export class BadRequestError extends Error {
  override name = "BadRequestError";
}

function parseRequest(body: unknown): NonNullable<ConversionReview["request"]> {
  if (!isObject(body) || body.kind !== "ConversionReview" || !isObject(body.request)) {
    throw new BadRequestError("expected a ConversionReview with a request");
  }
  const { uid, desiredAPIVersion, objects } = body.request;
  if (typeof uid !== "string" || typeof desiredAPIVersion !== "string" || !Array.isArray(objects)) {
    throw new BadRequestError("ConversionReview request needs uid, desiredAPIVersion and objects");
  }
  return { uid, desiredAPIVersion, objects: objects as KubeObject[] };
}

/**
 * Answers one review. A failure to convert any object fails the whole review (the apiserver needs all or
 * nothing), with the reason in `result.message`.
 */
export function reviewConversion(body: unknown, converter: Converter): ConversionReview {
  const request = parseRequest(body);
  const apiVersion = isObject(body) && typeof body.apiVersion === "string" ? body.apiVersion : "";
  try {
    const convertedObjects = request.objects.map((obj) => converter.convert(obj, request.desiredAPIVersion));
    return {
      apiVersion,
      kind: "ConversionReview",
      response: { uid: request.uid, convertedObjects, result: { status: "Success" } },
    };
  } catch (error) {
    return {
      apiVersion,
      kind: "ConversionReview",
      response: {
        uid: request.uid,
        convertedObjects: [],
        result: { status: "Failure", message: error instanceof Error ? error.message : String(error) },
      },
    };
  }
}
