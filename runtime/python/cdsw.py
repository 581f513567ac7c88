"""CML's `cdsw` module, for models served by Slipway: CML model files import it unchanged.

    import cdsw

    @cdsw.model_metrics
    def predict(args):
        cdsw.track_metric("input", args)
        ...

See slipway_runtime.sdk for what each function does and which gateway endpoints it uses.
"""
from slipway_runtime.sdk import (
    GatewayError,
    call_model,
    model_metrics,
    read_metrics,
    track_aggregate_metrics,
    track_delayed_metrics,
    track_file,
    track_metric,
)

__all__ = [
    "GatewayError",
    "call_model",
    "model_metrics",
    "read_metrics",
    "track_aggregate_metrics",
    "track_delayed_metrics",
    "track_file",
    "track_metric",
]
