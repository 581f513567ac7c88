/**
 * Version of the Python runtime that builds embed. It is part of every build key, so bumping it
 * (when the runtime changes in a way that old builds cannot serve) rebuilds every model.
 */
export const RUNTIME_VERSION = '1';
