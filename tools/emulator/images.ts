/**
 * Real image content for every tag of a world's `registryContent`, so that an OCI client nobody here wrote (skopeo)
 * can inspect and copy it: per platform a config blob (`os`, `architecture`, `variant`, `rootfs.diff_ids`) and one
 * gzipped tar layer, an image manifest naming both, and, for several platforms, an image index (or Docker manifest
 * list) naming each platform's manifest with its `platform`. Every digest is the sha256 of the exact bytes served.
 *
 * Sources: the OCI image spec (image-index.md `manifests[].platform {architecture, os, variant}`, manifest.md
 * `config` / `layers` descriptors `{mediaType, digest, size}`, config.md `rootfs {type: "layers", diff_ids}`: the
 * digests of the uncompressed layers), the OCI distribution spec (a manifest's digest is the digest of its bytes,
 * `Docker-Content-Digest`), and the Docker media types ACR also serves (containerregistry.json 2021-07-01, the
 * `accept` header of ContainerRegistry_GetManifest, e.g. application/vnd.docker.distribution.manifest.v2+json).
 * The layer holds one small file naming the image, so that two tags never share a digest.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

export type ImageFormat = "oci" | "docker";

export const MEDIA_TYPES = {
  oci: {
    index: "application/vnd.oci.image.index.v1+json",
    manifest: "application/vnd.oci.image.manifest.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  },
  docker: {
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  },
} as const;

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface ImageContent {
  /** What the tag names: an image manifest (one platform) or an index (several). */
  top: StoredManifest;
  /** Every manifest reachable by digest: the top one and, for an index, each platform's manifest. */
  manifests: Map<string, StoredManifest>;
  /** Config and layer blobs by digest. */
  blobs: Map<string, Buffer>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** "linux/arm64/v8" → { os: "linux", architecture: "arm64", variant: "v8" }; null when not os/arch[/variant]. */
export function parsePlatform(text: string): Platform | null {
  const m = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/i.exec(text.trim());
  if (!m?.[1] || !m[2]) return null;
  return { os: m[1], architecture: m[2], ...(m[3] ? { variant: m[3] } : {}) };
}

const digestOf = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A POSIX ustar archive holding one regular file (header, content padded to 512 bytes, two zero blocks). */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
  field(0, 100, name);
  field(100, 8, "0000644\0");
  field(108, 8, "0000000\0");
  field(116, 8, "0000000\0");
  field(124, 12, `${content.length.toString(8).padStart(11, "0")}\0`);
  field(136, 12, "00000000000\0");
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function platformManifest(
  image: string,
  platform: Platform,
  format: ImageFormat,
  blobs: Map<string, Buffer>,
): StoredManifest {
  const media = MEDIA_TYPES[format];
  const label = [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
  const tar = tarOf("etc/pullguard-image", Buffer.from(`${image} ${label}\n`));
  const layer = gzipSync(tar);
  const config = json({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: "2026-01-01T00:00:00Z",
    config: { Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
    history: [{ created: "2026-01-01T00:00:00Z", created_by: "pullguard emulator" }],
  });
  blobs.set(digestOf(layer), layer);
  blobs.set(digestOf(config), config);
  const bytes = json({
    schemaVersion: 2,
    mediaType: media.manifest,
    config: { mediaType: media.config, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: media.layer, digest: digestOf(layer), size: layer.length }],
  });
  return { digest: digestOf(bytes), mediaType: media.manifest, bytes };
}

/** The content a tag serves: `image` names it (login server/repository:tag), `platforms` as world.md says. */
export function buildImage(image: string, platforms: readonly Platform[], format: ImageFormat): ImageContent {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, StoredManifest>();
  const children = platforms.map((p) => {
    const manifest = platformManifest(image, p, format, blobs);
    manifests.set(manifest.digest, manifest);
    return { manifest, platform: p };
  });
  const only = children.length === 1 ? children[0] : undefined;
  if (only) return { top: only.manifest, manifests, blobs };
  const media = MEDIA_TYPES[format];
  const bytes = json({
    schemaVersion: 2,
    mediaType: media.index,
    manifests: children.map(({ manifest, platform }) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.bytes.length,
      platform: {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
      },
    })),
  });
  const top = { digest: digestOf(bytes), mediaType: media.index, bytes };
  manifests.set(top.digest, top);
  return { top, manifests, blobs };
}
