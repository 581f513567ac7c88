/**
 * Version of the Python runtime that builds embed. It is part of every build key, so bumping it
 * (when the runtime changes in a way that old builds cannot serve) rebuilds every model.
 */
export const RUNTIME_VERSION = '1';

/**
 * The image that image builders start from when a model declares no `build.baseImage`. It is part
 * of the key of such models (an image made on another base is another build), which is why it is
 * kept here, beside the runtime version, rather than in the buildah builder.
 */
export const DEFAULT_BASE_IMAGE = 'docker.io/library/python:3.11-slim';
