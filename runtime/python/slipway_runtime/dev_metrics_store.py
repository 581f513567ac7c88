"""The in-memory metrics store used outside a replica (CML's "dev mode").

In a CML session, a metrics-enabled function called directly keeps its metrics in a local,
in-memory store that read_metrics / track_delayed_metrics / track_aggregate_metrics of the same
process use; they are gone when the process exits. Slipway does the same whenever the SDK has no
gateway (SLIPWAY_GATEWAY_URL unset) or is called with dev=True, so model files can be tried out
with plain `python3` before they are deployed. Entries have the shape the gateway's
GET /api/v1/metrics returns.
"""
import threading

DEV_DEPLOYMENT_CRN = "crn:slipway:dev/model-deployment"
DEV_BUILD_CRN = "crn:slipway:dev/model-build"
DEV_MODEL_CRN = "crn:slipway:dev/model"

_lock = threading.Lock()
_entries = []


def add(entry):
    with _lock:
        _entries.append(entry)


def read(deployment_crn=None, model_crn=None, build_crn=None, start_ms=0, end_ms=None):
    """{"metrics": [entries]} whose start lies in [start_ms, end_ms], optionally for one CRN."""
    with _lock:
        found = [
            dict(entry, metrics=dict(entry["metrics"]))
            for entry in _entries
            if (deployment_crn is None or entry["modelDeploymentCrn"] == deployment_crn)
            and (model_crn is None or entry["modelCrn"] == model_crn)
            and (build_crn is None or entry["modelBuildCrn"] == build_crn)
            and entry["startTimeStampMs"] >= start_ms
            and (end_ms is None or entry["startTimeStampMs"] <= end_ms)
        ]
    found.sort(key=lambda entry: entry["startTimeStampMs"])
    return {"metrics": found}


def add_delayed(prediction_uuid, metrics):
    """Merge metrics into the prediction's entry; ValueError when no prediction has that uuid."""
    with _lock:
        for entry in _entries:
            if entry.get("predictionUuid") == prediction_uuid:
                entry["metrics"].update(metrics)
                return
    raise ValueError(
        "no prediction with uuid %r in this process's metrics (outside a deployment, metrics "
        "live in memory: call the metrics-enabled function in this same process first)"
        % prediction_uuid
    )


def clear():
    with _lock:
        del _entries[:]
