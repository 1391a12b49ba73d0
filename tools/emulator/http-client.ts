/**
 * The HTTP client the SDKs use against the emulator: the SDK's default client with an https.Agent that trusts the
 * emulator's certificate, and one that dials every `*.azurecr.io` host at the emulator's port while keeping the
 * registry's name for SNI and the Host header (a DNS `lookup` override alone would still dial port 443).
 */
import { Agent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import { connect } from "node:tls";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import { isRegistryHost } from "./ids.js";

class EmulatorAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly port: number,
  ) {
    super(options);
  }

  override createConnection(options: Parameters<Agent["createConnection"]>[0]): Duplex {
    const name = options.servername || options.hostname || options.host || "localhost";
    return connect({
      ...(options as Record<string, unknown>),
      ca: this.options.ca,
      host: "127.0.0.1",
      port: this.port,
      servername: String(name),
    });
  }
}

export function emulatorHttpClient(caPem: string, port: number): HttpClient {
  const inner = createDefaultHttpClient();
  const arm = new Agent({ ca: caPem, keepAlive: true });
  const registries = new EmulatorAgent({ ca: caPem, keepAlive: true }, port);
  return {
    sendRequest(request) {
      request.agent = isRegistryHost(new URL(request.url).hostname) ? registries : arm;
      return inner.sendRequest(request);
    },
  };
}
