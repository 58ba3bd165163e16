// Cinder (block-storage v3). The catalog URL already ends in /v3/<project id>.
import { Crud, ServiceClient } from "./rest.ts";
import type { ServiceDef, Session } from "./session.ts";

export const BLOCK_STORAGE: ServiceDef = { types: ["volumev3", "block-storage"], name: "volumev3" };

export interface Attachment {
  id: string;
  server_id: string;
  device?: string;
  attachment_id?: string;
}

export interface Volume {
  id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  volume_type: string | null;
  availability_zone: string;
  bootable: "true" | "false";
  multiattach: boolean;
  attachments: Attachment[];
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string | null;
  "os-vol-tenant-attr:tenant_id"?: string;
}

export interface VolumeCreate {
  size: number;
  name?: string;
  description?: string;
  volume_type?: string;
  availability_zone?: string;
  imageRef?: string;
  metadata?: Record<string, string>;
}

export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  is_public: boolean;
  extra_specs?: Record<string, string>;
}

export interface VolumeAvailabilityZone {
  zoneName: string;
  zoneState: { available: boolean };
}

export class BlockStorageClient {
  readonly #c: ServiceClient;
  readonly volumes: Crud<Volume, VolumeCreate, Partial<Pick<Volume, "name" | "description" | "metadata">>>;
  /** Create, update and delete are admin only. */
  readonly volumeTypes: Crud<
    VolumeType,
    { name: string; description?: string; extra_specs?: Record<string, string> }
  >;

  constructor(session: Session) {
    this.#c = new ServiceClient(session, BLOCK_STORAGE);
    this.volumes = new Crud(this.#c, {
      path: "volumes",
      listPath: "volumes/detail",
      singular: "volume",
      plural: "volumes",
      metric: "volume",
    });
    this.volumeTypes = new Crud(this.#c, {
      path: "types",
      singular: "volume_type",
      plural: "volume_types",
      metric: "volume_type",
    });
  }

  listAvailabilityZones(): Promise<VolumeAvailabilityZone[]> {
    return this.#c.field("availabilityZoneInfo", {
      method: "GET",
      path: "os-availability-zone",
      operation: "volume_availability_zone_list",
    });
  }
}
