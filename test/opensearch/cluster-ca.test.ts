import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { sendUpstream } from "../../src/http/opensearch-proxy";
import { OpenSearchGateway, OpenSearchUnavailableError, readClusterCa } from "../../src/opensearch";

/** A CA of the test's own and a certificate for 127.0.0.1 signed by it, like the security plugin's demo CA. */
async function makeCertificates(dir: string): Promise<{ caFile: string; key: Buffer; cert: Buffer }> {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=relevance-test-ca");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=127.0.0.1");
  await writeFile(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "node.pem", "-days", "2", "-extfile", "san.ext");
  return { caFile: join(dir, "ca.pem"), key: await readFile(join(dir, "node.key")), cert: await readFile(join(dir, "node.pem")) };
}

describe("OPENSEARCH_CA_FILE: trusting the cluster's own CA over https", function () {
  this.timeout(30_000);
  let dir: string;
  let caFile: string;
  let server: Server;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cluster-ca-"));
    const certificates = await makeCertificates(dir);
    caFile = certificates.caFile;
    server = createServer({ key: certificates.key, cert: certificates.cert }, (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ status: "green", cluster_name: "tls-test" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("the gateway reaches a cluster whose certificate that CA signed, and refuses it without the CA", async () => {
    const trusting = new OpenSearchGateway({ url, ca: readClusterCa(caFile), timeoutMs: 5000 });
    const plain = new OpenSearchGateway({ url, timeoutMs: 5000 });
    try {
      assert.equal((await trusting.clusterHealth()).status, "green");
      await assert.rejects(plain.clusterHealth(), OpenSearchUnavailableError);
    } finally {
      await trusting.close();
      await plain.close();
    }
  });

  it("the proxy's upstream requests trust it too", async () => {
    const options = { target: new URL(url), timeoutMs: 5000, logger: pino({ level: "silent" }) };
    const request = { method: "GET", path: "/_cluster/health", headers: {}, body: Buffer.alloc(0) };
    const answer = await sendUpstream({ ...options, ca: readClusterCa(caFile) }, request);
    assert.equal(answer.status, 200);
    await assert.rejects(sendUpstream(options, request), OpenSearchUnavailableError);
  });

  it("a missing or non-PEM file stops start-up with a message naming the setting", async () => {
    assert.equal(readClusterCa(undefined), undefined);
    assert.throws(() => readClusterCa(join(dir, "absent.pem")), /cannot read OPENSEARCH_CA_FILE .*absent\.pem/);
    await writeFile(join(dir, "not-pem.txt"), "hello");
    assert.throws(() => readClusterCa(join(dir, "not-pem.txt")), /OPENSEARCH_CA_FILE .*not-pem\.txt holds no PEM certificate/);
  });
});
