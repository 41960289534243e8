import { type BehaviourEvent, type BehaviourSink } from "../../src/events";

/** A behaviour sink for the events tests, with what it applied readable per user. */
export interface TestBehaviourSink {
  readonly sink: BehaviourSink;
  /** The events applied for one user (each key once). */
  appliedFor(userKey: string): Promise<BehaviourEvent[]>;
  cleanUp(): Promise<void>;
}

/** In-memory until the Redis sink lands: idempotent by key, like the port requires. */
export async function testBehaviourSink(): Promise<TestBehaviourSink> {
  const applied = new Map<string, BehaviourEvent>();
  const sink: BehaviourSink = {
    apply: (events) => {
      for (const event of events) if (!applied.has(event.key)) applied.set(event.key, event);
      return Promise.resolve();
    },
    erase: (userKey) => {
      let keysDeleted = 0;
      for (const [key, event] of applied) {
        if (event.userKey === userKey) {
          applied.delete(key);
          keysDeleted += 1;
        }
      }
      return Promise.resolve({ profileDeleted: keysDeleted > 0, keysDeleted });
    },
  };
  return Promise.resolve({
    sink,
    appliedFor: (userKey) => Promise.resolve([...applied.values()].filter((e) => e.userKey === userKey)),
    cleanUp: () => {
      applied.clear();
      return Promise.resolve();
    },
  });
}
