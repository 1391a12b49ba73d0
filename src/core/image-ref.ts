/**
 * Image references parsed by Docker's rules: the first path component is a registry host when it contains `.` or
 * `:` or is `localhost`; otherwise the host is `docker.io` (and a one-component name lives under `library/`).
 * A tag follows the last `:` after the last `/`; a digest follows `@`.
 *
 * Example: "FabrikamACR.azurecr.io/checkout/web:1.8.0" → host "fabrikamacr.azurecr.io", repository "checkout/web",
 * tag "1.8.0", digest null; "nginx" → host "docker.io", repository "library/nginx", tag "latest".
 */

export interface ImageRef {
  /** Lower case (hosts are case-insensitive). */
  host: string;
  /** As written (Docker repositories are lower case anyway). */
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageRef(image: string): ImageRef {
  const trimmed = image.trim();
  const at = trimmed.indexOf("@");
  const digest = at >= 0 ? trimmed.slice(at + 1) : null;
  const name = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const namesHost = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = namesHost ? first.toLowerCase() : "docker.io";
  let path = namesHost ? name.slice(slash + 1) : name;
  let tag: string | null = null;
  const colon = path.lastIndexOf(":");
  if (colon > path.lastIndexOf("/")) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (tag === null && digest === null) tag = "latest";
  return { host, repository: path, tag, digest };
}
