/** A local HTTP sink: records every request and answers from a script (notification delivery tests, the demo). */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer one request: a status with headers, or "hang" (never answer). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export interface HttpSink {
  url(path: string): string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers requests in order from `script`; after it runs out, repeats its last answer. */
export async function startSink(script: Answer[]): Promise<HttpSink> {
  const received: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const answer = script[Math.min(received.length - 1, script.length - 1)] ?? { status: 500 };
      if (answer === "hang") {
        hanging.push(response);
        return;
      }
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** What a Teams Workflows webhook stand-in received: each card posted to it, parsed. */
export interface TeamsSink {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A local stand-in for the Teams Workflows webhook (202 to every post), for the demo and the tests. */
export async function startTeamsSink(): Promise<TeamsSink> {
  const sink = await startSink([{ status: 202 }]);
  return {
    url: sink.url("/teams-workflow"),
    get received() {
      return sink.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    },
    close: () => sink.close(),
  };
}
