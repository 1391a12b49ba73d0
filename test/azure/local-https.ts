/**
 * A local HTTPS server for the src/azure tests: a throwaway certificate (its own CA) valid for 127.0.0.1, localhost
 * and *.azurecr.io, and a handler per request. The real SDK clients reach it through the dev HTTP client (which
 * trusts that CA and dials *.azurecr.io hosts here), so the tests exercise the same wire path as the emulator.
 */
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

export interface TestCertificate {
  key: string;
  cert: string;
}

let certificate: TestCertificate | undefined;

/** One certificate per test process (RSA key generation is slow). */
export function testCertificate(): TestCertificate {
  certificate ??= (() => {
    const pems = generate([{ name: "commonName", value: "pullguard-test" }], {
      keySize: 2048,
      days: 2,
      algorithm: "sha256",
      extensions: [
        { name: "basicConstraints", cA: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 2, value: "*.azurecr.io" },
            { type: 2, value: "*.westeurope.data.azurecr.io" },
          ],
        },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  })();
  return certificate;
}

export interface LocalRequest {
  method: string;
  /** Host header, without the port. */
  host: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface LocalAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
}

export interface LocalServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port> */
  address: string;
  caPem: string;
  requests: LocalRequest[];
  close(): Promise<void>;
}

export async function startLocalHttps(
  handle: (request: LocalRequest) => LocalAnswer | Promise<LocalAnswer>,
): Promise<LocalServer> {
  const { key, cert } = testCertificate();
  const requests: LocalRequest[] = [];
  const server = createServer({ key, cert }, (incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", async () => {
      const url = new URL(`https://local${incoming.url ?? "/"}`);
      const request: LocalRequest = {
        method: incoming.method ?? "",
        host: (incoming.headers.host ?? "").replace(/:\d+$/, ""),
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      const answer = await handle(request);
      const isText = typeof answer.body === "string" || answer.body === undefined;
      response.writeHead(answer.status, {
        ...(isText ? {} : { "content-type": "application/json" }),
        ...(answer.headers ?? {}),
      });
      response.end(answer.body === undefined ? "" : isText ? String(answer.body) : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    caPem: cert,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
