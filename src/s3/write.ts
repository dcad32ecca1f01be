/**
 * Streaming a body into one object, all of it or nothing, with memory flat
 * in its size: one PUT for a body that fits in one part, else a multipart
 * upload, aborted when anything fails, so no partial object is ever
 * visible and an object already at the key stays as it was.
 *
 * @module
 */

import { checkChunk } from "../archive_store.ts";
import type { S3Call, S3Requester } from "./signed.ts";
import { element, escapeXml } from "./xml.ts";

/** The most parts S3 takes in one upload. */
const MAX_PARTS = 10_000;

/**
 * How one object is written: the headers of a new object (retention), and
 * where the ETag it got goes.
 *
 * @internal
 */
export interface WriteTarget {
  key: string;
  partSize: number;
  /** Headers of the new object: its retention, when the store has one. */
  objectHeaders: () => Record<string, string>;
}

/**
 * What {@link writeStream} stored.
 *
 * @internal
 */
export interface Written {
  bytes: number;
  /** The new object's ETag, when the service said it. */
  etag: string | undefined;
  /** The new object's version, in a versioned bucket. */
  versionId: string | undefined;
  /** Whether it went as a multipart upload. */
  multipart: boolean;
}

interface Part {
  number: number;
  etag: string;
  checksum: string;
}

/**
 * Writes `body` to `target.key`; resolves to the bytes stored and the ETag
 * of the new object.
 *
 * @internal
 */
export async function writeStream(
  s3: S3Requester,
  target: WriteTarget,
  body: ReadableStream<Uint8Array>,
): Promise<Written> {
  const { key, partSize } = target;
  const reader = body.getReader();
  // Two buffers at most: one being uploaded, one filling.
  let buffer = new Uint8Array(partSize);
  let filled = 0;
  let total = 0;
  let uploadId: string | undefined;
  const parts: Part[] = [];
  let inflight: Promise<Part> | undefined;

  const call = (c: Omit<S3Call, "key">): S3Call => ({ ...c, key });
  const start = async () => {
    const response = await s3.send(call({
      operation: "CreateMultipartUpload",
      method: "POST",
      query: [["uploads", ""]],
      headers: {
        ...target.objectHeaders(),
        "x-amz-checksum-algorithm": "SHA256",
      },
    }));
    const id = element(await response.text(), "UploadId");
    if (!id) {
      throw new Error(`CreateMultipartUpload of ${key} answered no UploadId`);
    }
    return id;
  };
  const uploadPart = async (number: number, part: Uint8Array) => {
    const response = await s3.send(call({
      operation: "UploadPart",
      method: "PUT",
      query: [["partNumber", String(number)], ["uploadId", uploadId!]],
      body: part,
      checksum: true,
    }));
    await response.body?.cancel();
    const etag = response.headers.get("etag");
    const checksum = response.headers.get("x-amz-checksum-sha256") ?? "";
    if (!etag) {
      throw new Error(`UploadPart ${number} of ${key} answered no ETag`);
    }
    return { number, etag, checksum };
  };
  const send = async (part: Uint8Array) => {
    uploadId ??= await start();
    if (inflight) parts.push(await inflight);
    if (parts.length + 1 > MAX_PARTS) {
      throw new RangeError(
        `${key} needs more than ${MAX_PARTS} parts of ${partSize} bytes: raise partSize`,
      );
    }
    inflight = uploadPart(parts.length + 1, part);
    // Awaited before the next part or the end; until then its failure must
    // not count as unhandled.
    inflight.catch(() => {});
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      checkChunk(value);
      total += value.byteLength;
      let at = 0;
      while (at < value.byteLength) {
        const take = Math.min(partSize - filled, value.byteLength - at);
        buffer.set(value.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === partSize) {
          await send(buffer);
          buffer = new Uint8Array(partSize);
          filled = 0;
        }
      }
    }
    if (uploadId === undefined) {
      const response = await s3.send(call({
        operation: "PUT",
        method: "PUT",
        headers: target.objectHeaders(),
        body: buffer.subarray(0, filled),
        checksum: true,
      }));
      await response.body?.cancel();
      return {
        bytes: total,
        etag: response.headers.get("etag") ?? undefined,
        versionId: response.headers.get("x-amz-version-id") ?? undefined,
        multipart: false,
      };
    }
    if (filled > 0) await send(buffer.subarray(0, filled));
    parts.push(await inflight!);
    inflight = undefined;
    const done = await complete(s3, call, uploadId, parts);
    return { bytes: total, ...done, multipart: true };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    await inflight?.catch(() => {});
    if (uploadId !== undefined) {
      await s3.send(call({
        operation: "AbortMultipartUpload",
        method: "DELETE",
        query: [["uploadId", uploadId]],
        accept: [404],
      })).then((r) => r.body?.cancel()).catch(() => {});
    }
    throw error;
  }
}

/** Completes the upload; resolves to the new object's ETag. */
async function complete(
  s3: S3Requester,
  call: (c: Omit<S3Call, "key">) => S3Call,
  uploadId: string,
  parts: readonly Part[],
): Promise<{ etag: string | undefined; versionId: string | undefined }> {
  const xml = `<CompleteMultipartUpload>${
    parts.map((p) =>
      `<Part><PartNumber>${p.number}</PartNumber><ETag>${
        escapeXml(p.etag)
      }</ETag>${
        p.checksum
          ? `<ChecksumSHA256>${escapeXml(p.checksum)}</ChecksumSHA256>`
          : ""
      }</Part>`
    ).join("")
  }</CompleteMultipartUpload>`;
  const c = call({
    operation: "CompleteMultipartUpload",
    method: "POST",
    query: [["uploadId", uploadId]],
    headers: { "content-type": "application/xml" },
    body: new TextEncoder().encode(xml),
  });
  const response = await s3.send(c);
  const text = await response.text();
  // S3 may answer 200 and only then find the upload failed: the error is
  // in the body.
  if (/<Error>/.test(text)) {
    throw await s3.refused(c, new Response(text, { status: 500 }));
  }
  return {
    etag: element(text, "ETag") ?? response.headers.get("etag") ?? undefined,
    versionId: response.headers.get("x-amz-version-id") ?? undefined,
  };
}
