"""The SDK calls that go to the gateway: call_model and the metrics store.

Gateway endpoints they use (base URL: SLIPWAY_GATEWAY_URL; `Authorization: Bearer <key>` when
an API key is passed or SLIPWAY_API_KEY is set):

  POST /model              {"accessKey": "...", "request": {...}}  (CML's model contract)
      -> the gateway's answer, returned whatever its status:
         {"success": true, "response": ..., "ReplicaID": "..."} or
         {"success": false, "errorCode": "...", "message": "..."}

  GET  /api/v1/metrics?modelDeploymentCrn=&modelCrn=&modelBuildCrn=&modelAccessKey=
                      &startTimestampMs=&endTimestampMs=
      Only the filters given are sent; startTimestampMs (default 0) and endTimestampMs
      (default now) always are. Entries whose startTimeStampMs lies in the window, oldest first:
      -> 200 {"metrics": [{"modelDeploymentCrn", "modelBuildCrn", "modelCrn",
                           "predictionUuid": "<uuid>" | null (aggregate entries),
                           "startTimeStampMs", "endTimeStampMs", "metrics": {...}}]}

  POST /api/v1/metrics     one of
      {"type": "delayed", "predictionUuid": "<uuid>", "metrics": {...}}
          merge metrics into that prediction's entry (404 when no such prediction)
      {"type": "aggregate", "modelDeploymentCrn": "<crn>" | null, "startTimestampMs": <int>,
       "endTimestampMs": <int>, "metrics": {...}}
          add an entry not tied to a prediction (predictionUuid null)
      -> 2xx with a JSON body (e.g. {"success": true}), returned to the caller.

An error status from the metrics endpoints raises GatewayError (its message quotes the gateway's
`message`). With dev=True the metrics calls use the in-memory dev store of this process, as CML
does in a session; without SLIPWAY_GATEWAY_URL, track_delayed_metrics and
track_aggregate_metrics use it too, and read_metrics raises GatewayError saying so.
"""
import os

from slipway_runtime import dev_metrics_store
from slipway_runtime.gateway_client import GatewayError, gateway_url, request_json
from slipway_runtime.metrics_tracking import deployment_crn, now_ms

_METRICS_PATH = "/api/v1/metrics"


def _dev(dev):
    return bool(dev) or gateway_url() is None


def call_model(model_access_key, ipt, api_key=None):
    """Call a deployed model through the gateway (CML's `cdsw.call_model`); returns the JSON answer.

    `ipt` is the model's input; `api_key` is needed when the model requires authentication.
    """
    _, answer = request_json(
        "call_model", "POST", "/model",
        body={"accessKey": model_access_key, "request": ipt},
        api_key=api_key, accept_errors=True,
    )
    return answer


def read_metrics(model_deployment_crn=None, start_timestamp_ms=None, end_timestamp_ms=None,
                 model_crn=None, model_build_crn=None, model_access_key=None, dev=False):
    """Read tracked metrics for a deployment, build or model between two times (ms since epoch).

    start_timestamp_ms defaults to 0 and end_timestamp_ms to now. Returns
    {"metrics": [{"modelDeploymentCrn", "modelBuildCrn", "modelCrn", "predictionUuid",
    "startTimeStampMs", "endTimeStampMs", "metrics": {...}}, ...]} (CML's shape). Served by the
    gateway's GET /api/v1/metrics (see the module docstring).
    """
    start = 0 if start_timestamp_ms is None else int(start_timestamp_ms)
    end = now_ms() if end_timestamp_ms is None else int(end_timestamp_ms)
    if dev:
        return dev_metrics_store.read(model_deployment_crn, model_crn, model_build_crn, start, end)
    if gateway_url() is None:
        # An empty answer here would read as "no predictions yet"; say what is missing instead.
        raise GatewayError(
            "read_metrics reads a deployment's metrics from the Slipway gateway, but "
            "SLIPWAY_GATEWAY_URL is not set: run the script with `slipway python -- SCRIPT` while "
            "the daemon runs (`slipway up -d`), or set SLIPWAY_GATEWAY_URL and SLIPWAY_API_KEY; "
            "to read the metrics this process tracked in memory, pass dev=True"
        )
    query = [
        (name, value)
        for name, value in (
            ("modelDeploymentCrn", model_deployment_crn),
            ("modelCrn", model_crn),
            ("modelBuildCrn", model_build_crn),
            ("modelAccessKey", model_access_key),
        )
        if value is not None
    ]
    query += [("startTimestampMs", str(start)), ("endTimestampMs", str(end))]
    _, answer = request_json("read_metrics", "GET", _METRICS_PATH, query=query)
    return answer


def track_delayed_metrics(metrics, prediction_uuid, dev=False):
    """Add metrics known only later (ground truth) to a past prediction, found by its uuid.

    Served by the gateway's POST /api/v1/metrics with {"type": "delayed", ...}.
    """
    if not isinstance(metrics, dict):
        raise TypeError("track_delayed_metrics: metrics must be a dict, got %s" % type(metrics).__name__)
    if _dev(dev):
        dev_metrics_store.add_delayed(prediction_uuid, metrics)
        return {"success": True}
    body = {"type": "delayed", "predictionUuid": prediction_uuid, "metrics": metrics}
    _, answer = request_json("track_delayed_metrics", "POST", _METRICS_PATH, body=body)
    return answer


def track_aggregate_metrics(metrics, start_timestamp_ms, end_timestamp_ms,
                            model_deployment_crn=None, dev=False):
    """Track metrics about a time window rather than one prediction (e.g. accuracy).

    model_deployment_crn defaults to this replica's deployment. Served by the gateway's
    POST /api/v1/metrics with {"type": "aggregate", ...}.
    """
    if not isinstance(metrics, dict):
        raise TypeError("track_aggregate_metrics: metrics must be a dict, got %s" % type(metrics).__name__)
    if _dev(dev):
        dev_metrics_store.add({
            "modelDeploymentCrn": model_deployment_crn or deployment_crn(),
            "modelBuildCrn": dev_metrics_store.DEV_BUILD_CRN,
            "modelCrn": dev_metrics_store.DEV_MODEL_CRN,
            "startTimeStampMs": int(start_timestamp_ms),
            "endTimeStampMs": int(end_timestamp_ms),
            "predictionUuid": None,
            "metrics": dict(metrics),
        })
        return {"success": True}
    body = {
        "type": "aggregate",
        "modelDeploymentCrn": model_deployment_crn or os.environ.get("SLIPWAY_MODEL_DEPLOYMENT_CRN"),
        "startTimestampMs": int(start_timestamp_ms),
        "endTimestampMs": int(end_timestamp_ms),
        "metrics": metrics,
    }
    _, answer = request_json("track_aggregate_metrics", "POST", _METRICS_PATH, body=body)
    return answer
