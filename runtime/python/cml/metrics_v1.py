"""CML's `cml.metrics_v1`: tracking and reading model metrics.

    import cml.metrics_v1 as metrics

    metrics.track_metric("input", args)
    metrics.track_delayed_metrics({"actual": 1}, prediction_uuid)
    metrics.read_metrics(model_deployment_crn=crn, start_timestamp_ms=0)
"""
from slipway_runtime.sdk import (
    model_metrics,
    read_metrics,
    track_aggregate_metrics,
    track_delayed_metrics,
    track_metric,
)

__all__ = [
    "model_metrics",
    "read_metrics",
    "track_aggregate_metrics",
    "track_delayed_metrics",
    "track_metric",
]
