/**
 * Schedules a verification without holding an invocation open: a message on the `pullguard-verify` queue whose
 * visibility timeout is the delay. The queue-triggered function picks it up when it becomes visible.
 *
 * The text is base64 of the JSON, which is what the Functions queue trigger decodes by default.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { QueueClient } from "@azure/storage-queue";
import type { StorageSettings } from "../config.js";
import type { VerificationMessage } from "../core/verification-message.js";
import { openQueue, VERIFY_QUEUE } from "./storage.js";

export interface VerificationScheduler {
  /** Enqueues `message`, visible after `delaySeconds`; returns the queue message ID. */
  schedule(message: VerificationMessage, delaySeconds: number): Promise<string>;
}

/** Queue visibility timeouts may not exceed 7 days. */
const MAX_DELAY_SECONDS = 7 * 24 * 60 * 60;

export function encodeVerificationMessage(message: VerificationMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

export function createQueueVerificationScheduler(queue: QueueClient): VerificationScheduler {
  let ready: Promise<void> | null = null;
  const ensureQueue = (): Promise<void> => {
    ready ??= queue.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        ready = null;
        throw error;
      },
    );
    return ready;
  };
  return {
    async schedule(message, delaySeconds) {
      await ensureQueue();
      const visibilityTimeout = Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds)));
      const sent = await queue.sendMessage(encodeVerificationMessage(message), {
        visibilityTimeout,
        // Live long enough to be seen after the delay, and a day more for retries.
        messageTimeToLive: visibilityTimeout + 24 * 60 * 60,
      });
      return sent.messageId;
    },
  };
}

/** The scheduler on the `pullguard-verify` queue of the configured storage (Azurite locally). */
export function openVerificationScheduler(
  storage: StorageSettings,
  credential: TokenCredential,
): VerificationScheduler {
  return createQueueVerificationScheduler(openQueue(storage, VERIFY_QUEUE, credential));
}
