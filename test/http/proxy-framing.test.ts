import { strict as assert } from "node:assert";
import { connect } from "node:net";
import { createSidecar, type Sidecar } from "../../src/http";
import { randomName, testConfig, TEST_API_KEYS } from "../utils/services";

/** Writes a hand-made HTTP/1.1 exchange on a fresh socket and reads the answer until the server closes it. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error("no answer within 20 s")));
    socket.write(text);
  });
}

function chunked(body: string): string {
  return `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

/** Finding 2 of issue 7: bodies reach OpenSearch framed, hop-by-hop headers stay on their hop. */
describe("proxy framing and hop-by-hop headers (real OpenSearch)", () => {
  let sidecar: Sidecar;
  let port: number;

  before(async () => {
    sidecar = createSidecar(testConfig());
    port = await sidecar.listen();
  });
  after(async () => {
    await sidecar.close();
  });

  it("does not let a chunked GET smuggle a second request onto a pooled upstream socket", async () => {
    for (let round = 0; round < 5; round++) {
      const marker = randomName("smuggled");
      // The chunked body of a GET is itself a complete request, one OpenSearch answers only after
      // 500 ms and tags with the marker (X-Opaque-Id is echoed): unframed, its answer would be
      // waiting on the pooled socket when the next client's request is sent on it.
      const smuggled = `GET /_cluster/health?wait_for_nodes=99&timeout=500ms HTTP/1.1\r\nHost: opensearch\r\nX-Opaque-Id: ${marker}\r\n\r\n`;
      const first = await rawExchange(
        port,
        `GET /_cluster/health HTTP/1.1\r\nHost: sidecar\r\nx-api-key: ${TEST_API_KEYS.admin}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(smuggled)}`,
      );
      assert.match(first, /^HTTP\/1\.1 \d{3} /, "the first client gets one answer");
      // A second, unrelated client right after: it must get the answer to its own request.
      const second = await rawExchange(port, `GET / HTTP/1.1\r\nHost: sidecar\r\nx-api-key: ${TEST_API_KEYS.admin}\r\nConnection: close\r\n\r\n`);
      assert.match(second, /^HTTP\/1\.1 200 /, `round ${round}: the second client got someone else's answer:\n${second.slice(0, 300)}`);
      assert.match(second, /"tagline"/);
      assert.ok(!second.includes(marker), `round ${round}: the smuggled request's answer reached another client`);
    }
  });

  it("strips headers named in Connection, both ways", async () => {
    // OpenSearch echoes X-Opaque-Id: when the sidecar forwards it, the answer carries it back.
    const opaque = randomName("opaque");
    const listed = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nHost: sidecar\r\nx-api-key: ${TEST_API_KEYS.admin}\r\nConnection: close, X-Opaque-Id\r\nX-Opaque-Id: ${opaque}\r\n\r\n`,
    );
    assert.match(listed, /^HTTP\/1\.1 200 /);
    assert.ok(!listed.toLowerCase().includes(opaque), "a header named in Connection is not forwarded");
    const plain = await rawExchange(port, `GET / HTTP/1.1\r\nHost: sidecar\r\nx-api-key: ${TEST_API_KEYS.admin}\r\nConnection: close\r\nX-Opaque-Id: ${opaque}\r\n\r\n`);
    assert.ok(plain.includes(opaque), "an end-to-end header still is");
  });
});
