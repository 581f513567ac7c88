// What a build key is made of. Builds store these inputs, so a plan can say what changed between
// the deployed build and the working tree without reading either.

/** A file of a build: its path relative to the repository root and its git blob id. */
export type ManifestEntry = { path: string; blob: string };

/** The interpreter a local build runs on, as probed (see interpreter-probe.ts). */
export type InterpreterIdentity = {
  /** `sys.executable` of the interpreter `build.python` resolved to. */
  executable: string;
  /** `platform.python_version()`, like `3.11.2`. */
  version: string;
  /** Fingerprint of the distributions (names and versions) a venv with system site-packages sees. */
  packages: string;
};

/**
 * Everything that goes into a build key, and nothing else. `modes`, `submodules` and `checkout`
 * are always set by `computeBuildKeys`; they are optional only because builds recorded before
 * they existed lack them.
 */
export type KeyInputs = {
  /** Source files of the build, sorted by path; requirements and script are listed here too. */
  files: ManifestEntry[];
  requirements: ManifestEntry | null;
  script: ManifestEntry | null;
  file: string;
  function: string;
  runtime: string;
  /** The base image the model declares (`build.baseImage`), or null for the image builders' default. */
  baseImage: string | null;
  /** Which image that default is, when `baseImage` is null: a Slipway release that changes it rebuilds those models. */
  defaultBaseImage: string | null;
  /**
   * The digest the base image's tag had when an image target planned (build/base-digests.ts): the
   * image is built `FROM <base>@<digest>`, and a moved tag is a new build. Absent: not resolved
   * (local builds, or a base image declared with its digest).
   */
  baseDigest?: string;
  runtimeVersion: string;
  /**
   * The interpreter of a build made on this machine (the local backend); absent for image builds,
   * whose interpreter is their base image's, so a key never depends on the machine that plans it.
   */
  python?: InterpreterIdentity;
  /** R models built on this machine: Rscript, R's version and its libraries' packages (src/runtimes/r-probe.ts). */
  r?: InterpreterIdentity;
  /** Files whose git mode is not 100644 (100755 executables, 120000 links), sorted: a chmod is a new build. */
  modes?: Array<{ path: string; mode: string }>;
  /** Submodules inside the build, with the commit checked out in each; their files are in `files`. */
  submodules?: SubmoduleEntry[];
  /** What else decides the bytes checkout writes: eol settings and per-file checkout attributes. */
  checkout?: CheckoutInputs;
};

/**
 * A submodule of a build: its path in the repository, the commit checked out there, and its own
 * eol settings (`core.autocrlf`, `core.eol` as the submodule's git sees them), which decide its
 * files' checkout bytes as `CheckoutInputs.config` does the repository's. `config` is absent only
 * in builds recorded before it existed.
 */
export type SubmoduleEntry = { path: string; commit: string; config?: string };

/** Checkout settings that change a file's bytes (see `docs/architecture.md`, "The content Git means"). */
export type CheckoutInputs = {
  /** The repository's eol settings, e.g. `core.autocrlf=true`; `` when none is set (submodules: `SubmoduleEntry.config`). */
  config: string;
  /** Files with checkout attributes set, e.g. `{path, attributes: "eol=crlf text=set"}`, sorted; a submodule's files by its own attributes. */
  attributes: Array<{ path: string; attributes: string }>;
};

export type BuildKey = {
  /** sha256 (hex) of the canonical JSON of `inputs`. */
  key: string;
  inputs: KeyInputs;
  /**
   * Paths of `inputs.files` whose blob was computed from the working tree (untracked or modified),
   * which git's object database may not hold yet. A hint for builders, not part of the key.
   */
  unstored?: string[];
};

/** Build keys per model name. */
export type BuildKeys = Record<string, BuildKey>;
