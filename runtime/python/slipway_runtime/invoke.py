"""One model call: decode the request, run the function, encode the answer.

Answers (status, JSON bytes):
  200 {"response": <value>, "metrics": {...} | null, "uuid": "<uuid4>" | null}
  400 {"error": {"type": "BadRequest", "message": ...}}             body is not JSON, or too deep
  500 {"error": {"type": <exception class>, "message", "traceback"}} the function raised
  500 {"error": {"type": "ResponseNotJSONEncodable", "message", "traceback"}}
"""
import json
import os
import traceback

from slipway_runtime import call_context
from slipway_runtime.json_encoding import encode, encode_object


def error_body(kind, message, trace=None):
    error = {"type": kind, "message": message}
    if trace is not None:
        error["traceback"] = trace
    return encode({"error": error})


_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def model_traceback(exc):
    """The formatted traceback of `exc` from the first frame outside the runtime and importlib.

    A model author needs the frames of their own code, not how the runtime reached it.
    """
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not (filename.startswith(_RUNTIME_DIR) or filename.startswith("<frozen")):
            break
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _raised(exc):
    return type(exc).__name__, str(exc), model_traceback(exc)


class Invocation:
    """Runs a model function on request bodies; thread-safe, holds no per-call state."""

    def __init__(self, fn, log, flush_output):
        self._fn = fn
        self._log = log
        self._flush_output = flush_output

    def parse(self, body):
        """(request, None), or (None, (400, JSON bytes)) for a body that is not JSON."""
        try:
            return json.loads(body), None
        except ValueError as exc:
            message = "the request body is not valid JSON (%s); send the model's input as JSON" % exc
            return None, (400, error_body("BadRequest", message))
        except RecursionError:
            # The gateway refuses nesting past 512 levels; a pod can be called past the gateway.
            message = "the request is nested too deeply to decode"
            return None, (400, error_body("BadRequest", message))

    def run(self, request):
        """Call the function on a decoded request and return (status, JSON bytes)."""
        record = call_context.begin_call()
        try:
            result = self._fn(request)
        except (Exception, SystemExit) as exc:
            kind, message, trace = _raised(exc)
            self._log("call raised %s: %s\n%s" % (kind, message, trace))
            return 500, error_body(kind, message, trace)
        finally:
            call_context.end_call()
            # Text printed without a final newline still belongs to this call's output.
            self._flush_output()
        try:
            response = encode(result)
        except (TypeError, ValueError) as exc:
            message = (
                "the function's return value cannot be encoded as JSON: %s. Return dicts, lists, "
                "strings, finite numbers, booleans or None" % exc
            )
            self._log("call failed: " + message)
            return 500, error_body("ResponseNotJSONEncodable", message, "")
        metrics = b"null" if record.metrics is None else encode_object(record.metrics)
        prediction_uuid = b"null" if record.uuid is None else encode(record.uuid)
        return 200, b"".join((
            b'{"response":', response, b',"metrics":', metrics, b',"uuid":', prediction_uuid, b"}"
        ))
