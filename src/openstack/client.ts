// The entry point: one OpenStackClient per credential, its service clients sharing the credential's Session
// (token, catalog, version documents). Build credentials with credentialFromClouds().
import { BlockStorageClient } from "./blockstorage.ts";
import type { Credential } from "./clouds.ts";
import { ComputeClient } from "./compute.ts";
import { ImageClient } from "./image.ts";
import { LoadBalancerClient } from "./loadbalancer.ts";
import { NetworkClient } from "./network.ts";
import type { Session, SessionRegistry } from "./session.ts";

export class OpenStackClient {
  readonly session: Session;
  readonly compute: ComputeClient;
  readonly network: NetworkClient;
  readonly loadBalancer: LoadBalancerClient;
  readonly image: ImageClient;
  readonly blockStorage: BlockStorageClient;

  constructor(session: Session) {
    this.session = session;
    this.compute = new ComputeClient(session);
    this.network = new NetworkClient(session);
    this.loadBalancer = new LoadBalancerClient(session);
    this.image = new ImageClient(session);
    this.blockStorage = new BlockStorageClient(session);
  }

  /** The project the token is scoped to (CAPO's scope project ID). */
  projectId(): Promise<string> {
    return this.session.projectId();
  }
}

/** A client over the registry's shared session for this credential. */
export function clientFor(registry: SessionRegistry, credential: Credential): OpenStackClient {
  return new OpenStackClient(registry.get(credential));
}
