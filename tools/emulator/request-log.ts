/** Every request the emulator served: tests and the bench count ARM and data-plane requests from it. */
export interface LoggedRequest {
  method: string;
  host: string;
  /** Path with query. */
  path: string;
  status: number;
  plane: "arm" | "data";
  start: number;
  end: number;
  /** The caller's object ID, when the request carried a token. */
  caller: string | null;
  /** A lost reply (status 0): the status ARM applied the request with, though the client never saw it. */
  appliedStatus?: number;
}

export interface RequestLog {
  record(entry: LoggedRequest): void;
  entries(): LoggedRequest[];
  count(filter?: (e: LoggedRequest) => boolean): number;
  /** PUT, PATCH, POST and DELETE on ARM. */
  writes(): LoggedRequest[];
  clear(): void;
}

export function createRequestLog(): RequestLog {
  let all: LoggedRequest[] = [];
  return {
    record: (entry) => {
      all.push(entry);
    },
    entries: () => [...all],
    count: (filter) => (filter ? all.filter(filter).length : all.length),
    writes: () => all.filter((e) => e.plane === "arm" && e.method !== "GET" && e.method !== "HEAD"),
    clear: () => {
      all = [];
    },
  };
}
