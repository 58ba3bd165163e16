// Glance (image v2): images travel bare (no wrapping key), extra properties sit beside the standard fields,
// updates are JSON Patch, and the next page is a top-level `next` link.
import { Crud, ServiceClient } from "./rest.ts";
import type { ListOptions } from "./rest.ts";
import type { Query, ServiceDef, Session } from "./session.ts";

export const IMAGE: ServiceDef = { types: ["image"], name: "image", version: "v2" };

export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  tags: string[];
  owner: string;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  protected: boolean;
  created_at: string;
  updated_at: string;
  /** Free-form properties (os_type, os_distro, hw_*) appear as more top-level keys. */
  [property: string]: unknown;
}

export interface ImageCreate {
  name: string;
  disk_format?: string;
  container_format?: string;
  visibility?: "private" | "shared" | "community" | "public";
  tags?: string[];
  min_disk?: number;
  min_ram?: number;
  [property: string]: unknown;
}

export interface ImageListFilter {
  name?: string;
  /** Images carrying all of these tags. */
  tags?: string[];
  status?: string;
  visibility?: string;
  owner?: string;
}

export type JsonPatchOp =
  { op: "add" | "replace"; path: string; value: unknown } | { op: "remove"; path: string };

// Glance repeats `tag` for an all-of filter.
function imageQuery({ tags, ...rest }: ImageListFilter): Query {
  return { ...rest, ...(tags?.length ? { tag: tags } : {}) };
}

const IMAGES = { path: "images", singular: "", plural: "images", metric: "image" };

export class ImageClient {
  readonly #c: ServiceClient;
  readonly #images: Crud<Image, ImageCreate, never>;

  constructor(session: Session) {
    this.#c = new ServiceClient(session, IMAGE);
    this.#images = new Crud(this.#c, IMAGES);
  }

  listImages(f: ImageListFilter = {}, o: ListOptions = {}): Promise<Image[]> {
    return this.#images.list(imageQuery(f), o);
  }

  /** Page by page, for callers that stop early. */
  pages(f: ImageListFilter = {}, o: ListOptions = {}): AsyncGenerator<Image[]> {
    return this.#c.pages<Image>(IMAGES, imageQuery(f), o);
  }

  getImage(id: string): Promise<Image> {
    return this.#images.get(id);
  }

  createImage(image: ImageCreate): Promise<Image> {
    return this.#images.create(image);
  }

  /** JSON Patch: `{op: "replace", path: "/name", value}`, `{op: "add", path: "/os_type", value: "linux"}`, … */
  updateImage(id: string, ops: JsonPatchOp[]): Promise<Image> {
    return this.#c.json<Image>({
      method: "PATCH",
      path: `images/${encodeURIComponent(id)}`,
      operation: "image_update",
      body: ops,
      contentType: "application/openstack-images-v2.1-json-patch",
    });
  }

  deleteImage(id: string, o: { ignoreNotFound?: boolean } = {}): Promise<boolean> {
    return this.#images.delete(id, o);
  }
}
