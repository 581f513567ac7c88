"""track_metric and the metrics decorators, with CML's semantics.

A metrics-enabled function (`@cdsw.model_metrics`, `@cml_model(metrics=True)`) returns, as in
CML, `{"prediction": <its value>, "model_deployment_crn": <crn>, "uuid": <uuid4>}`; the gateway
wraps that in `{"success": true, "response": ...}`, so clients read `response["response"]["uuid"]`
exactly as they do on CML. Metrics tracked during the call travel back to the gateway in the
replica's /invoke answer (`metrics`, `uuid`), where they are stored. Called outside a replica the
function keeps its metrics in the in-memory dev store instead, as in a CML session.
"""
import functools
import json
import os
import sys
import threading
import time
import uuid

from slipway_runtime import call_context, dev_metrics_store, local_tracking
from slipway_runtime.json_encoding import encode

_warned = set()
_warned_lock = threading.Lock()


def now_ms():
    return int(time.time() * 1000)


def deployment_crn():
    """This replica's deployment CRN (SLIPWAY_MODEL_DEPLOYMENT_CRN), or the dev-mode one."""
    return os.environ.get("SLIPWAY_MODEL_DEPLOYMENT_CRN") or dev_metrics_store.DEV_DEPLOYMENT_CRN


def _warn_once(key, message):
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    sys.stderr.write(message + "\n")


def track_metric(key, value):
    """Track `value` under `key` for the current prediction (the last value of a key wins).

    The value is encoded as JSON when tracked, so later changes to it do not alter what was
    recorded; numpy arrays and scalars are turned into lists and numbers. In a model but outside a
    metrics-enabled call nothing is recorded and a warning is printed once per key. Outside a
    model (a training script, as a CML job) it is recorded in `.slipway/tracked/` (see
    slipway_runtime.local_tracking).
    """
    metrics = call_context.current_collector()
    if metrics is None:
        if not call_context.in_replica():
            local_tracking.record_metric(key, value)
            return
        _warn_once(("metric", key),
            "track_metric(%r) was called outside a metrics-enabled function, so it is not recorded; "
            "decorate the model function with @cdsw.model_metrics or "
            "@cml.models_v1.cml_model(metrics=True)" % (key,))
        return
    try:
        metrics[str(key)] = encode(value)
    except (TypeError, ValueError) as exc:
        raise TypeError("track_metric(%r): the value cannot be encoded as JSON: %s" % (key, exc))


def track_file(filename):
    """Record a file a training run made (CML's `cdsw.track_file`), by path, size and sha256.

    Outside a model it is recorded in `.slipway/tracked/` (see slipway_runtime.local_tracking).
    A model's files are its build, so in a replica nothing is recorded and a warning is printed once.
    """
    if not call_context.in_replica():
        local_tracking.record_file(filename)
        return
    _warn_once(("file", filename),
        "track_file(%r) records files of training runs; in a model it records nothing" % (filename,))


def model_metrics(fn):
    """Decorator: make `fn` metrics-enabled (CML's `cdsw.model_metrics`)."""

    @functools.wraps(fn)
    def with_metrics(*args, **kwargs):
        metrics = {}
        prediction_uuid = str(uuid.uuid4())
        started = now_ms()
        call_context.push_collector(metrics)
        try:
            prediction = fn(*args, **kwargs)
        finally:
            call_context.pop_collector()
        crn = deployment_crn()
        record = call_context.current_call()
        if record is not None:
            # The outermost decorated function finishes last, so its uuid is the response's.
            record.uuid = prediction_uuid
            record.metrics = metrics
        else:
            dev_metrics_store.add({
                "modelDeploymentCrn": crn,
                "modelBuildCrn": dev_metrics_store.DEV_BUILD_CRN,
                "modelCrn": dev_metrics_store.DEV_MODEL_CRN,
                "startTimeStampMs": started,
                "endTimeStampMs": now_ms(),
                "predictionUuid": prediction_uuid,
                "metrics": {key: json.loads(value) for key, value in metrics.items()},
            })
        return {"prediction": prediction, "model_deployment_crn": crn, "uuid": prediction_uuid}

    return with_metrics


def cml_model(_func=None, *, metrics=False):
    """CML's `cml.models_v1.cml_model`: `@cml_model`, `@cml_model()` or `@cml_model(metrics=True)`.

    Without metrics the function is served as it is; with metrics=True it is the same as
    `model_metrics`.
    """

    def decorate(fn):
        return model_metrics(fn) if metrics else fn

    if _func is not None:
        return decorate(_func)
    return decorate
