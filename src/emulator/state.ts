// What the emulator remembers: the segments it created and the counters tests read to catch
// segsync misbehaving (duplicate creates, too much concurrency). No HTTP and no I/O here.

import type { WatiPayload } from '../core/model.js';
import type { PublicEmulatorConfig } from './config.js';

export interface EmulatorSegment extends WatiPayload {
  id: string;
  /** The tenant path segment the create arrived on (`/123456/api/v1/...`), or null. */
  tenant: string | null;
  /** ISO-8601 time of the commit. */
  createdAt: string;
}

export interface RequestCounters {
  /** Every request counted here, whatever its outcome. */
  total: number;
  /** Answers by HTTP status ("200", "400", ...), plus "dropped" for sockets destroyed unanswered. */
  byStatus: Record<string, number>;
}

export interface EmulatorSnapshot {
  segments: EmulatorSegment[];
  /** How many times each name was created; more than 1 is a duplicate. */
  createsByName: Record<string, number>;
  /** Names created more than once, in order of first creation. */
  duplicates: string[];
  /** The most Wati requests ever being handled at the same moment. */
  maxInFlight: number;
  /** Wati requests being handled right now. */
  inFlight: number;
  /** Requests to any Wati path (not `/__emulator/`) except evaluate: creates, 404s... */
  requests: RequestCounters;
  /** Requests to the evaluate endpoint, which never creates anything. Not persisted. */
  evaluateRequests: RequestCounters;
  /** Contacts in the dataset evaluate answers from. */
  contacts: number;
  config: PublicEmulatorConfig;
}

/** Which counters a request counts in. */
export type RequestKind = 'requests' | 'evaluateRequests';

/** The part of the state that survives a restart when a data file is used. */
export interface PersistedCounters {
  nextId: number;
  segments: EmulatorSegment[];
  createsByName: Record<string, number>;
  maxInFlight: number;
  requests: RequestCounters;
}

/** Requests and their outcomes by status, for one kind of request. */
class RequestCounter {
  total = 0;
  byStatus = new Map<string, number>();

  record(outcome: number | 'dropped'): void {
    const key = String(outcome);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
  }

  forget(outcome: number | 'dropped'): void {
    const key = String(outcome);
    const count = (this.byStatus.get(key) ?? 0) - 1;
    if (count > 0) this.byStatus.set(key, count);
    else this.byStatus.delete(key);
  }

  clear(): void {
    this.total = 0;
    this.byStatus.clear();
  }

  toJSON(): RequestCounters {
    return { total: this.total, byStatus: Object.fromEntries(this.byStatus) };
  }
}

export class EmulatorState {
  private segments: EmulatorSegment[] = [];
  private createsByName = new Map<string, number>();
  private readonly counters: Record<RequestKind, RequestCounter> = {
    requests: new RequestCounter(),
    evaluateRequests: new RequestCounter(),
  };
  private maxInFlight = 0;
  private inFlight = 0;
  // Never rewound, not even by reset, so an id is never handed out twice by one data file.
  private nextId = 1;

  constructor(restored?: PersistedCounters) {
    if (restored !== undefined) this.restore(restored);
  }

  get activeSegments(): number {
    return this.segments.length;
  }

  beginRequest(kind: RequestKind): void {
    this.counters[kind].total += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  endRequest(): void {
    this.inFlight -= 1;
  }

  recordOutcome(kind: RequestKind, outcome: number | 'dropped'): void {
    this.counters[kind].record(outcome);
  }

  /** Takes back a create's outcome recorded too early (the data file could not be written). */
  forgetOutcome(outcome: number | 'dropped'): void {
    this.counters.requests.forget(outcome);
  }

  commit(payload: WatiPayload, tenant: string | null, now: Date): EmulatorSegment {
    const segment: EmulatorSegment = {
      ...structuredClone(payload),
      id: this.nextId.toString(16).padStart(24, '0'),
      tenant,
      createdAt: now.toISOString(),
    };
    this.nextId += 1;
    this.segments.push(segment);
    this.createsByName.set(segment.name, (this.createsByName.get(segment.name) ?? 0) + 1);
    return segment;
  }

  /** Reverses the latest commit (the id stays used). */
  undoCommit(segment: EmulatorSegment): void {
    const index = this.segments.lastIndexOf(segment);
    if (index === -1) return;
    this.segments.splice(index, 1);
    const count = (this.createsByName.get(segment.name) ?? 0) - 1;
    if (count > 0) this.createsByName.set(segment.name, count);
    else this.createsByName.delete(segment.name);
  }

  /** Forgets segments and counters. Requests still being handled keep counting as in flight. */
  reset(): void {
    this.segments = [];
    this.createsByName.clear();
    this.counters.requests.clear();
    this.counters.evaluateRequests.clear();
    this.maxInFlight = this.inFlight;
  }

  snapshot(config: PublicEmulatorConfig, contacts: number): EmulatorSnapshot {
    // A deep copy: callers may keep or mutate it while the emulator goes on.
    const persisted = structuredClone(this.toPersisted());
    return {
      segments: persisted.segments,
      createsByName: persisted.createsByName,
      duplicates: [...this.createsByName].filter(([, count]) => count > 1).map(([name]) => name),
      maxInFlight: this.maxInFlight,
      inFlight: this.inFlight,
      requests: persisted.requests,
      evaluateRequests: this.counters.evaluateRequests.toJSON(),
      contacts,
      config: { ...config },
    };
  }

  /**
   * The persistent part of the state, sharing the live segment objects: serialise it at once
   * and never keep it. Not copied because the data file is rewritten after every create.
   */
  toPersisted(): PersistedCounters {
    return {
      nextId: this.nextId,
      segments: this.segments,
      // Object.fromEntries defines own properties, so a segment named "__proto__" is kept as is.
      createsByName: Object.fromEntries(this.createsByName),
      maxInFlight: this.maxInFlight,
      requests: this.counters.requests.toJSON(),
    };
  }

  private restore(data: PersistedCounters): void {
    this.segments = structuredClone(data.segments);
    this.createsByName = new Map(Object.entries(data.createsByName));
    this.counters.requests.total = data.requests.total;
    this.counters.requests.byStatus = new Map(Object.entries(data.requests.byStatus));
    this.maxInFlight = data.maxInFlight;
    this.nextId = Math.max(data.nextId, this.segments.length + 1);
  }
}
