import { type IncomingMessage } from "node:http";
import { createGunzip, createInflate, type Gunzip, type Inflate } from "node:zlib";
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from "../../errors";
import { type Reservation } from "./inflight-budget";

export interface BodyReadOptions {
  /** Largest body accepted, counted after decoding (a zip bomb is a 413 like any other big body). */
  limit: number;
  /** The request's share of the in-flight budget; every buffered byte, raw and decoded, is held in it. */
  reservation: Reservation;
}

type ContentCoding = "identity" | "gzip" | "deflate";

/** The request's `Content-Encoding`; anything but identity, gzip and deflate is a 415. */
function contentCodingOf(req: IncomingMessage): ContentCoding {
  const value = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (value === "" || value === "identity") return "identity";
  if (value === "gzip" || value === "x-gzip") return "gzip";
  if (value === "deflate") return "deflate";
  throw new UnsupportedMediaTypeError(`unsupported content-encoding "${value.slice(0, 40)}": send identity, gzip or deflate`);
}

/** The request's `Content-Length`, when it is a usable byte count. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers["content-length"];
  if (value === undefined) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body is larger than the limit of ${limit} bytes (counted after decoding)`);
}

/**
 * Reads a whole request body into memory, decoding gzip/deflate, so that it can be forwarded with
 * a `content-length` (a body is never sent unframed). The declared length is reserved up front and
 * refused early when it cannot fit; a chunked body is reserved as it arrives.
 */
export async function readRequestBody(req: IncomingMessage, options: BodyReadOptions): Promise<Buffer> {
  const coding = contentCodingOf(req);
  const declared = declaredLength(req);
  if (declared !== undefined && declared > options.limit) throw tooLarge(options.limit);
  options.reservation.ensure(declared ?? 0);
  if (declared === 0 || (declared === undefined && req.headers["transfer-encoding"] === undefined)) return Buffer.alloc(0);

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    // A declared, uncompressed body is copied once, into a buffer of its size, instead of being
    // gathered in chunks and concatenated (which holds it twice).
    const exact = declared !== undefined && coding === "identity" ? Buffer.allocUnsafe(declared) : undefined;
    let raw = 0;
    let decoded = 0;
    let settled = false;
    const decoder: Gunzip | Inflate | undefined = coding === "gzip" ? createGunzip() : coding === "deflate" ? createInflate() : undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe();
      decoder?.destroy();
      chunks.length = 0;
      // Stop reading what we will not use; the connection is closed after the answer.
      req.resume();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const keep = (chunk: Buffer) => {
      if (settled) return;
      decoded += chunk.length;
      try {
        if (decoded > options.limit) throw tooLarge(options.limit);
        if (exact && decoded > exact.length) throw new ValidationError("request body is longer than its content-length");
        // Raw bytes are held until the end too; the reservation covers both.
        options.reservation.ensure(Math.max(declared ?? 0, raw) + (decoder ? decoded : 0));
      } catch (err) {
        fail(err);
        return;
      }
      if (exact) chunk.copy(exact, decoded - chunk.length);
      else chunks.push(chunk);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      if (exact) resolve(decoded === exact.length ? exact : exact.subarray(0, decoded));
      else resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, decoded));
    };

    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      raw += chunk.length;
      if (!decoder) {
        keep(chunk);
        return;
      }
      try {
        if (raw > options.limit) throw tooLarge(options.limit);
        options.reservation.ensure(Math.max(declared ?? 0, raw) + decoded);
      } catch (err) {
        fail(err);
        return;
      }
      decoder.write(chunk);
    });
    req.on("end", () => (decoder ? decoder.end() : done()));
    req.on("error", fail);
    req.on("aborted", () => fail(new ValidationError("the client aborted the request body")));
    if (decoder) {
      decoder.on("data", keep);
      decoder.on("end", done);
      decoder.on("error", (err) => fail(new ValidationError(`request body is not valid ${coding}: ${err.message}`, { cause: err })));
    }
  });
}
