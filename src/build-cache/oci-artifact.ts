// An OCI image layout holding one artifact: an empty config, one gzip'd tar layer, annotations.
// That is what `oras push` makes, and what skopeo copies to and from a registry unchanged (no
// new tool: skopeo is already a dependency of the image builds).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The tag inside the layout (not the registry's). */
export const LAYOUT_TAG = 'artifact';

type Descriptor = { mediaType: string; digest: string; size: number; annotations?: Record<string, string> };
type Manifest = { schemaVersion: 2; mediaType: string; artifactType: string; config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> };

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function putBlob(layout: string, bytes: Buffer): Promise<Descriptor & { digest: string }> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', digest), bytes);
  return { mediaType: '', digest: `sha256:${digest}`, size: bytes.length };
}

/** Writes an OCI layout at `layout` (a new folder) with `layerTarGz` as the artifact's one layer. */
export async function writeArtifactLayout(
  layout: string,
  artifact: { artifactType: string; layerTarGz: string; annotations: Record<string, string> },
): Promise<void> {
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const config = await putBlob(layout, Buffer.from('{}'));
  const layerDigest = await sha256Of(artifact.layerTarGz);
  await copyFile(artifact.layerTarGz, join(layout, 'blobs', 'sha256', layerDigest));
  const layer: Descriptor = { mediaType: LAYER, digest: `sha256:${layerDigest}`, size: (await stat(artifact.layerTarGz)).size };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType: artifact.artifactType,
    config: { ...config, mediaType: EMPTY_CONFIG },
    layers: [layer],
    annotations: artifact.annotations,
  };
  const stored = await putBlob(layout, Buffer.from(JSON.stringify(manifest)));
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: MANIFEST, digest: stored.digest, size: stored.size, annotations: { 'org.opencontainers.image.ref.name': LAYOUT_TAG } }],
  };
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
}

/**
 * The artifact in the layout skopeo wrote: its annotations and the path of its layer, after
 * checking that it is the artifact type expected and that the layer's bytes match their digest.
 */
export async function readArtifactLayout(
  layout: string,
  artifactType: string,
): Promise<{ ok: true; annotations: Record<string, string>; layer: string } | { ok: false; message: string }> {
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  try {
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === LAYOUT_TAG) ?? index.manifests[0];
    if (!entry) return { ok: false, message: 'the artifact has no manifest' };
    const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as Manifest;
    if (manifest.artifactType !== artifactType || manifest.layers.length !== 1) {
      return { ok: false, message: `it is not a ${artifactType} artifact (${manifest.artifactType ?? 'an image'})` };
    }
    const layer = blob(manifest.layers[0]!.digest);
    if (`sha256:${await sha256Of(layer)}` !== manifest.layers[0]!.digest) return { ok: false, message: 'its layer does not match its digest' };
    return { ok: true, annotations: manifest.annotations ?? {}, layer };
  } catch (error) {
    return { ok: false, message: `it cannot be read (${(error as Error).message})` };
  }
}
