// Git names a file's content by its blob id. Builds verify each copied file against the id the
// build key was computed from, so a file edited between planning and building is caught.
import { createHash } from 'node:crypto';

/** The git blob id of `content`: sha1 of `blob <length>\0` followed by the bytes, as `git hash-object`. */
export function gitBlobId(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}
