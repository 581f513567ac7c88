"""CML's `cml` package, for models served by Slipway: `cml.models_v1` and `cml.metrics_v1`."""
