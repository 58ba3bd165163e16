// The webhook serving certificate from its directory (tls.crt/tls.key, as cert-manager and controller-runtime
// lay it out), reloaded when the files change, as controller-runtime's certwatcher does: a watch on the
// directory reacts at once (the kubelet updates a mounted Secret by swapping a symlink in it), a poll catches
// what the watch misses (the directory replaced, filesystems without events), and a pair that is unchanged
// or half written is ignored.
import { watch, readFileSync, unwatchFile, watchFile, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import type { Logger } from "../runtime/log.ts";

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

export interface CertFiles {
  certDir: string;
  certName: string;
  keyName: string;
}

/** Reads and checks the pair; the error names the directory and the files, its cause says what is wrong. */
export function loadKeyPair(files: CertFiles): KeyPair {
  try {
    const pair = {
      cert: readFileSync(join(files.certDir, files.certName)),
      key: readFileSync(join(files.certDir, files.keyName)),
    };
    createSecureContext(pair);
    return pair;
  } catch (error) {
    // The logger appends the cause's message ("ENOENT: no such file or directory, open '…/tls.crt'").
    throw new Error(
      `cannot load the webhook serving certificate from ${files.certDir} (${files.certName}, ${files.keyName})`,
      { cause: error },
    );
  }
}

export interface WatchOptions {
  /** How often the files are polled, besides the directory watch. */
  pollMs: number;
  /** How long to wait after a change before reading, so that both files of a rotation are in place. */
  settleMs?: number;
  logger?: Logger;
}

/** Calls `onChange` with each new valid pair after `current`; returns a function that stops watching. */
export function watchKeyPair(
  files: CertFiles,
  current: KeyPair,
  onChange: (pair: KeyPair) => void,
  options: WatchOptions,
): () => void {
  const { certDir } = files;
  let loaded = current;
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    let pair: KeyPair;
    try {
      pair = loadKeyPair(files);
    } catch (error) {
      options.logger?.error(error, "cannot reload the webhook certificate; keeping the old one", { certDir });
      return;
    }
    if (pair.cert.equals(loaded.cert) && pair.key.equals(loaded.key)) return;
    loaded = pair;
    onChange(pair);
    options.logger?.info("Reloaded the webhook certificate", { certDir });
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, options.settleMs ?? 100).unref();
  };

  const paths = [join(certDir, files.certName), join(certDir, files.keyName)];
  for (const path of paths) watchFile(path, { interval: options.pollMs, persistent: false }, changed);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(certDir, { persistent: false }, changed);
    // The directory going away ends the watch; the poll carries on.
    watcher.on("error", () => watcher?.close());
  } catch {
    // No events on this filesystem: the poll alone.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
    for (const path of paths) unwatchFile(path, changed);
  };
}
