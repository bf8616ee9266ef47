import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { S3Client } from '@aws-sdk/client-s3';
import type { UploadSigner } from '../../ports/index.js';

/**
 * Presigned POST for one extract: the key is fixed, the body must be a PDF of at most 10 MiB and
 * encrypted with the data key — all as policy conditions S3 enforces (s3rver locally does not:
 * the intake checks size and type again).
 */
export class S3UploadSigner implements UploadSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {}

  async presignPost(key: string, options: { maxBytes: number; expiresSeconds: number }) {
    const sse: Record<string, string> = this.kmsKeyId
      ? {
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': this.kmsKeyId,
        }
      : {};
    const { url, fields } = await createPresignedPost(this.s3, {
      Bucket: this.bucket,
      Key: key,
      Expires: options.expiresSeconds,
      Fields: { 'Content-Type': 'application/pdf', ...sse },
      Conditions: [
        ['content-length-range', 1, options.maxBytes],
        ['eq', '$Content-Type', 'application/pdf'],
        ...Object.entries(sse).map(([k, v]) => ['eq', `$${k}`, v] as ['eq', string, string]),
      ],
    });
    return { url, fields };
  }
}
