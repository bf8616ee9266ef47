import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { EXTRACTS_BUCKET } from '../../config/resources.js';
import type { ExtractStore, ObjectRef, StoredExtract } from '../../ports/index.js';

const notFound = (e: unknown): boolean => {
  const name = (e as { name?: string })?.name;
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
};

/** An S3 API without the feature (s3rver: ListObjectVersions → 405, DeleteObjectTagging → 501). */
const notImplemented = (e: unknown): boolean => {
  const name = (e as { name?: string })?.name;
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 501 || status === 405;
};

/**
 * Clients whose endpoint answered ListObjectVersions with "not implemented" (s3rver): their
 * deletes go straight to the plain fallback instead of asking again on every extract.
 */
const unversioned = new WeakSet<S3Client>();

/** The extracts bucket through the S3 API (AWS, or s3rver on loopback). */
export class S3ExtractStore implements ExtractStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {}

  async get(
    key: string,
    maxBytes: number,
    versionId?: string,
  ): Promise<StoredExtract | { size: number; tooLarge: true; versionId?: string } | undefined> {
    try {
      // One round trip: the size comes with the GET's headers, before any of the body is read;
      // an object over the limit is refused without downloading it (the body is dropped unread).
      // With a version id exactly that version is read (s3:GetObjectVersion); s3rver ignores it.
      const r = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
      const version = r.VersionId ? { versionId: r.VersionId } : {};
      if (r.ContentLength !== undefined && r.ContentLength > maxBytes) {
        (r.Body as { destroy?: () => void } | undefined)?.destroy?.();
        return { size: r.ContentLength, tooLarge: true, ...version };
      }
      const bytes = await r.Body!.transformToByteArray();
      if (bytes.byteLength > maxBytes) return { size: bytes.byteLength, tooLarge: true, ...version };
      return { bytes, size: bytes.byteLength, ...version };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async put(
    key: string,
    bytes: Uint8Array,
    metadata: Record<string, string> = {},
    contentType = 'application/pdf',
  ): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        Metadata: metadata,
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId } : {}),
      }),
    );
  }

  async deleteAllVersions(key: string): Promise<number> {
    let removed = 0;
    if (!unversioned.has(this.s3)) {
      try {
        let keyMarker: string | undefined;
        let versionMarker: string | undefined;
        do {
          const r = await this.s3.send(
            new ListObjectVersionsCommand({
              Bucket: this.bucket,
              Prefix: key,
              KeyMarker: keyMarker,
              VersionIdMarker: versionMarker,
            }),
          );
          const versions = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].filter((v) => v.Key === key);
          for (const v of versions) {
            await this.s3.send(
              new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: v.VersionId }),
            );
            removed++;
          }
          keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined;
          versionMarker = r.IsTruncated ? r.NextVersionIdMarker : undefined;
        } while (keyMarker);
        return removed;
      } catch (e) {
        if (!notImplemented(e)) throw e;
        // The endpoint will not grow the feature while this process runs: do not ask again.
        unversioned.add(this.s3);
      }
    }
    // An S3 API without versioning (s3rver locally) has one version: delete it plainly.
    if (await this.exists(key)) {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      removed++;
    }
    return removed;
  }

  async deleteObject(key: string, ref: ObjectRef): Promise<number> {
    if (ref.versionId) {
      // S3 answers 204 whether or not the version still exists: deleting it twice is harmless.
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: ref.versionId }),
      );
      return 1;
    }
    // No versions (s3rver): the key holds one object, which may by now be a newer upload — delete
    // it only while its bytes are still the ones decided on. (Read, compare, delete is not atomic;
    // a re-post landing in between is lost locally. S3 itself always takes the version path.)
    const current = await this.get(key, Number.MAX_SAFE_INTEGER);
    if (!current || 'tooLarge' in current) return 0;
    if (ref.sha256 && createHash('sha256').update(current.bytes).digest('hex') !== ref.sha256) return 0;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    return 1;
  }

  async tagOutcome(key: string, outcome: 'rejected' | 'held', versionId?: string): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectTaggingCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          Tagging: { TagSet: [{ Key: EXTRACTS_BUCKET.outcomeTag, Value: outcome }] },
        }),
      );
    } catch (e) {
      if (notFound(e)) return;
      if (!notImplemented(e)) throw e;
      // s3rver has no object tagging; locally the intake status records the outcome instead.
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }
}
