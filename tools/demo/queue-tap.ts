/**
 * A pass-through in front of Azurite's queue endpoint that notes each verification PullGuard puts on the
 * `pullguard-verify` queue: its text, its visibility delay, and the message ID and pop receipt Azurite answers.
 *
 * Why the job demo needs it: a job's follow-up is due after the job's next run (hours away), and only real time makes
 * an Azurite message visible. The demo jumps the emulator's clock a day ahead; playing the Functions host, it then
 * makes the message visible at once (Update Message with the receipt Put Message returned, visibility 0) so the queue
 * trigger gets it when its time has come in the story. Every request still reaches Azurite unchanged.
 */
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface TappedMessage {
  messageId: string;
  popReceipt: string;
  /** The message text as sent (base64 of the JSON, as the queue trigger expects). */
  text: string;
  visibilityTimeoutSeconds: number;
  /** When Azurite took it (this machine's clock, which is PullGuard's). */
  sentAt: Date;
}

export interface QueueTap {
  /** The queue endpoint to give PullGuard instead of Azurite's (same account path). */
  port: number;
  sent: TappedMessage[];
  close(): Promise<void>;
}

const VERIFY_MESSAGES = /\/pullguard-verify\/messages$/i;

const xmlValue = (xml: string, tag: string): string =>
  new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim() ?? "";

async function bodyOf(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Listens on a free loopback port and forwards every request to Azurite's queue port. */
export async function startQueueTap(queuePort: number): Promise<QueueTap> {
  const sent: TappedMessage[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const { connection: _c, "transfer-encoding": _t, ...headers } = req.headers;
      const forward = httpRequest({
        host: "127.0.0.1",
        port: queuePort,
        method: req.method,
        path: req.url,
        headers: { ...headers, "content-length": String(body.length) },
      });
      forward.on("error", () => res.destroy());
      forward.on("response", (answer) => {
        void bodyOf(answer).then((reply) => {
          const url = new URL(req.url ?? "/", "http://127.0.0.1");
          if (req.method === "POST" && VERIFY_MESSAGES.test(url.pathname) && answer.statusCode === 201) {
            const text = reply.toString("utf8");
            sent.push({
              messageId: xmlValue(text, "MessageId"),
              popReceipt: xmlValue(text, "PopReceipt"),
              text: xmlValue(body.toString("utf8"), "MessageText"),
              visibilityTimeoutSeconds: Number(url.searchParams.get("visibilitytimeout") ?? 0),
              sentAt: new Date(),
            });
          }
          const { connection: _rc, "transfer-encoding": _rt, ...replyHeaders } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, { ...replyHeaders, "content-length": String(reply.length) });
          res.end(reply);
        });
      });
      forward.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
