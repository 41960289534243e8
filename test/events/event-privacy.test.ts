import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { EMAIL_PLACEHOLDER, NUMBER_PLACEHOLDER, Pseudonymizer, scrubQuery, validateEvent } from "../../src/events";
import { ConfigError } from "../../src/config";

const KEY = "unit-test-pseudonym-key-0123456789abcdef";
const DAY = 86_400_000;
const NOW = Date.parse("2025-06-01T12:00:00Z");

describe("pseudonymizer", () => {
  const p = new Pseudonymizer(KEY);

  it("user keys are exactly HMAC-SHA256(PSEUDONYM_KEY, user_id) in hex (CONTRACTS §3)", () => {
    assert.equal(p.userKey("alice@example.com"), createHmac("sha256", KEY).update("alice@example.com").digest("hex"));
    assert.notEqual(p.userKey("alice"), new Pseudonymizer(`${KEY}-other`).userKey("alice"));
  });

  it("session and event keys live in their own domains and are scoped by user", () => {
    assert.notEqual(p.sessionKey("s1"), p.userKey("s1"));
    assert.equal(p.eventKey("u1", "e1", []), p.eventKey("u1", "e1", ["other content"]));
    assert.notEqual(p.eventKey("u1", "e1", []), p.eventKey("u2", "e1", []));
    assert.notEqual(p.eventKey("u1", undefined, ["ab", "c"]), p.eventKey("u1", undefined, ["a", "bc"]));
  });

  it("refuses a missing or short key with a message that says what to do", () => {
    assert.throws(() => Pseudonymizer.fromConfig({}), (err: unknown) => err instanceof ConfigError && /PSEUDONYM_KEY is not set.*at least 32/.test(err.message));
    assert.throws(() => new Pseudonymizer("short"), /at least 32 characters/);
  });
});

describe("query scrubbing", () => {
  it("normalizes case, width and whitespace", () => {
    assert.equal(scrubQuery("  Ｃall   of\tDUTY  "), "call of duty");
  });

  it("replaces e-mail addresses and phone/card-like digit runs, keeps short numbers", () => {
    assert.equal(scrubQuery("order for John.Doe@Example.com please"), `order for ${EMAIL_PLACEHOLDER} please`);
    assert.equal(scrubQuery("call +1 (555) 123-4567 now"), `call ${NUMBER_PLACEHOLDER} now`);
    assert.equal(scrubQuery("card 4111 1111 1111 1111"), `card ${NUMBER_PLACEHOLDER}`);
    assert.equal(scrubQuery("iphone 15 pro 256gb 2023"), "iphone 15 pro 256gb 2023");
    assert.equal(scrubQuery("madden 12"), "madden 12");
    assert.equal(scrubQuery("a@b"), "a@b");
  });

  it("is linear on adversarial input", () => {
    const inputs = ["1-".repeat(200_000), "a@".repeat(200_000), `${"1".repeat(6)} x `.repeat(50_000), "@.".repeat(200_000)];
    for (const input of inputs) {
      const started = performance.now();
      scrubQuery(input, 100);
      assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms on ${input.slice(0, 8)}…`);
    }
  });
});

describe("event validation", () => {
  const options = { pseudonymizer: new Pseudonymizer(KEY), retentionDays: 30, now: NOW };
  const base = { user_id: "u1", type: "click", item_id: "sku-1", timestamp: NOW - DAY, session_id: "s1", event_id: "e1" };

  it("turns a valid event into the stored form with no raw identifier in it", () => {
    const result = validateEvent({ ...base, query: "Call me at 555-123-4567", synthetic: true, extra: "dropped" }, options);
    assert.ok(result.ok);
    const event = result.event;
    assert.equal(event.userKey, createHmac("sha256", KEY).update("u1").digest("hex"));
    assert.equal(event.query, `call me at ${NUMBER_PLACEHOLDER}`);
    assert.equal(event.synthetic, true);
    assert.equal(event.timestamp, NOW - DAY);
    assert.ok(!JSON.stringify(event).includes('"u1"') && !JSON.stringify(event).includes('"s1"') && !JSON.stringify(event).includes("extra"));
  });

  it("accepts ISO-8601 timestamps with a zone and epoch milliseconds", () => {
    const iso = validateEvent({ ...base, timestamp: new Date(NOW - DAY).toISOString().replace("Z", "000Z") }, options);
    assert.ok(iso.ok && iso.event.timestamp === NOW - DAY);
    const offset = validateEvent({ ...base, timestamp: "2025-05-31T14:00:00+02:00" }, options);
    assert.ok(offset.ok && offset.event.timestamp === Date.parse("2025-05-31T12:00:00Z"));
  });

  const rejected: [string, Record<string, unknown>, string, string][] = [
    ["a missing user id", { user_id: undefined }, "INVALID_EVENT", "user_id"],
    ["an unknown type", { type: "like" }, "INVALID_EVENT", "type"],
    ["a click without an item", { item_id: undefined }, "INVALID_EVENT", "item_id"],
    ["a search without a query", { type: "search", item_id: undefined }, "INVALID_EVENT", "query"],
    ["a search whose query is only spaces", { type: "search", query: "   " }, "INVALID_EVENT", "query"],
    ["a zone-less time", { timestamp: "2025-05-31T12:00:00" }, "INVALID_EVENT", "timestamp"],
    ["a far-future time", { timestamp: NOW + DAY }, "INVALID_EVENT", "future"],
    ["a time older than the retention", { timestamp: NOW - 31 * DAY }, "EVENT_EXPIRED", "retention"],
    ["an over-long item id", { item_id: "x".repeat(257) }, "INVALID_EVENT", "item_id"],
    ["an over-long query", { query: "q".repeat(1001) }, "INVALID_EVENT", "query"],
  ];
  for (const [what, change, code, mentions] of rejected) {
    it(`rejects ${what} with ${code}`, () => {
      const result = validateEvent({ ...base, ...change }, options);
      assert.ok(!result.ok);
      assert.equal(result.rejection.code, code);
      assert.match(result.rejection.message, new RegExp(mentions));
    });
  }

  it("allows a little clock skew", () => {
    assert.ok(validateEvent({ ...base, timestamp: NOW + 60_000 }, options).ok);
  });
});
