"""The model SDK in one place; `cdsw` and `cml.models_v1` / `cml.metrics_v1` re-export it.

In a model:        track_metric, model_metrics, cml_model
Outside a model:   track_metric, track_file (recorded in .slipway/tracked/)
Anywhere:          call_model, read_metrics, track_delayed_metrics, track_aggregate_metrics
Gateway endpoints: see slipway_runtime.gateway_sdk.
"""
from slipway_runtime.gateway_client import GatewayError
from slipway_runtime.gateway_sdk import (
    call_model,
    read_metrics,
    track_aggregate_metrics,
    track_delayed_metrics,
)
from slipway_runtime.metrics_tracking import cml_model, model_metrics, track_file, track_metric

__all__ = [
    "GatewayError",
    "call_model",
    "cml_model",
    "model_metrics",
    "read_metrics",
    "track_aggregate_metrics",
    "track_delayed_metrics",
    "track_file",
    "track_metric",
]
