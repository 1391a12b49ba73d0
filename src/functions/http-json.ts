/** Reads a JSON request body with a size cap and a clear message for anything else. */
import type { HttpRequest } from "@azure/functions";

const MAX_BODY_BYTES = 256 * 1024;

export async function readJsonBody(
  request: HttpRequest,
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { ok: false, message: `the body is larger than ${MAX_BODY_BYTES} bytes` };
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return { ok: false, message: `the body is larger than ${MAX_BODY_BYTES} bytes` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: "the body is not valid JSON (expected application/json)" };
  }
}
