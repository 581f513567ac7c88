// Entry points pick a builder by name; nothing deeper imports an implementation directly.
import type { Builder, BuilderFactory, BuilderOptions } from './builder.ts';
import { createBuildahBuilder } from './buildah-builder.ts';
import { createSnapshotBuilder } from './snapshot-builder.ts';

export const builders: Record<string, BuilderFactory> = {
  snapshot: createSnapshotBuilder,
  // A missing registry is reported by the builder itself, with what to set.
  buildah: (options) => createBuildahBuilder({ ...options, registry: options.registry ?? '' }),
};

/** The builder registered as `name`; throws naming the known builders when there is none. */
export function createBuilder(name: string, options: BuilderOptions): Builder {
  const factory = builders[name];
  if (factory === undefined) {
    throw new Error(`unknown builder "${name}"; expected one of: ${Object.keys(builders).join(', ')}`);
  }
  return factory(options);
}
