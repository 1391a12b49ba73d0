/**
 * The emulator's TLS certificate: self-signed, generated once per process, valid for loopback and every
 * `*.azurecr.io` (and `.cn`, `.us`) registry host; a wildcard names one label, so regional `<name>.<region>.geo.` hosts
 * are routed to the emulator but not covered by this certificate. Clients trust it explicitly (the CA PEM); nothing disables TLS checks.
 */
import selfsigned from "selfsigned";

export interface EmulatorCertificate {
  cert: string;
  key: string;
}

let generated: EmulatorCertificate | undefined;

export function emulatorCertificate(): EmulatorCertificate {
  if (!generated) {
    const pems = selfsigned.generate([{ name: "commonName", value: "pullguard-emulator" }], {
      days: 30,
      keySize: 2048,
      algorithm: "sha256",
      extensions: [
        { name: "basicConstraints", cA: true },
        { name: "keyUsage", keyCertSign: true, digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 2, value: "*.azurecr.io" },
            { type: 2, value: "*.azurecr.cn" },
            { type: 2, value: "*.azurecr.us" },
            { type: 2, value: "management.azure.com" },
            { type: 7, ip: "127.0.0.1" },
          ],
        },
      ],
    });
    generated = { cert: pems.cert, key: pems.private };
  }
  return generated;
}
