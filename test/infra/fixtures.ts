/** What the infra checks compare the templates with: the code's own lists, read from src/. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TABLES, VERIFY_QUEUE } from "../../src/azure/storage.js";
import { DEV_SETTING_NAMES, SETTING_NAMES } from "../../src/config.js";
import { readPullFailureAlert } from "../../src/core/signals/pull-failure-alert.js";
import { WATCHED_EVENT_TYPES, WATCHED_OPERATIONS } from "../../src/core/watched-operations.js";
import { type CodeFacts, type EventFacts, REPO } from "./checks.js";

const functionsDir = join(REPO, "src", "functions");

export const functionSources: ReadonlyMap<string, string> = new Map(
  readdirSync(functionsDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => [f, readFileSync(join(functionsDir, f), "utf8")]),
);

export const codeFacts: CodeFacts = {
  settingNames: SETTING_NAMES,
  devSettingNames: DEV_SETTING_NAMES,
  functionSources,
  tables: Object.values(TABLES),
  verifyQueue: VERIFY_QUEUE,
};

export const eventFacts: EventFacts = {
  watchedOperations: WATCHED_OPERATIONS,
  watchedEventTypes: WATCHED_EVENT_TYPES,
  functionSources,
  readAlert: (input) => {
    const reading = readPullFailureAlert(input);
    return reading.outcome === "look" ? { outcome: "look", alert: reading.alert } : { outcome: reading.outcome };
  },
};
