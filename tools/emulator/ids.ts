/** Small helpers on ARM IDs and GUIDs, for the emulator's own use (it shares no code with src/). */
import { createHash } from "node:crypto";

export const lowerId = (id: string): string => id.toLowerCase().replace(/\/+$/, "");

/** `scope` covers `id` when equal or a parent on a segment boundary; "/" and management groups cover all. */
export function covers(scope: string, id: string): boolean {
  const s = lowerId(scope);
  const r = lowerId(id);
  if (s === "" || s === "/" || s.startsWith("/providers/microsoft.management/managementgroups/")) return true;
  return r === s || r.startsWith(`${s}/`);
}

/**
 * Hosts the emulator serves as registries (the data plane): every ACR endpoint form of the public, China and US
 * Government clouds: `<name>.azurecr.io`, `<name>.<region>.geo.azurecr.io` and `<name>.<region>.data.azurecr.io`
 * (learn.microsoft.com/azure/container-registry/container-registry-endpoint-reference, "Endpoint types"), and the
 * same under `azurecr.cn` / `azurecr.us` (an assumption: that page documents the public cloud).
 */
export function isRegistryHost(host: string): boolean {
  return /\.azurecr\.(io|cn|us)$/i.test(host.trim());
}

export function subscriptionOf(id: string): string {
  return (id.split("/")[2] ?? "").toLowerCase();
}

export function lastSegment(id: string): string {
  return id.split("/").filter(Boolean).at(-1) ?? "";
}

/** A name-based UUID (v5 layout, SHA-1), so generated identifiers repeat from run to run. */
export function nameUuid(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("|").toLowerCase()).digest("hex");
  const variant = ((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function normaliseGuid(value: string): string {
  const v = value.trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(v))
    return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
  return v;
}

export function sha256Digest(...parts: string[]): string {
  return `sha256:${createHash("sha256").update(parts.join("|")).digest("hex")}`;
}

/** Who the emulator's credential speaks for when the world names no caller: an operator allowed everything. */
export const DEFAULT_OPERATOR = "0f0e0d0c-0b0a-4909-8807-060504030201";
