"""The runtime's one JSON encoder: compact, strict about NaN, lenient about numpy values."""
import json


def _to_jsonable(value):
    # numpy arrays and scalars (and pandas Series) know how to become plain lists and numbers;
    # CML model code often returns them, so accept them rather than fail the call.
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


# allow_nan=False: NaN and Infinity are not JSON, and the gateway could not parse them.
_encoder = json.JSONEncoder(default=_to_jsonable, allow_nan=False, separators=(",", ":"))


def encode(value):
    """Compact JSON bytes for `value`; raises TypeError / ValueError when it cannot be encoded."""
    return _encoder.encode(value).encode("utf-8")


def encode_object(encoded_values):
    """JSON bytes of an object whose values are already JSON bytes, e.g. tracked metrics."""
    parts = [encode(str(key)) + b":" + value for key, value in encoded_values.items()]
    return b"{" + b",".join(parts) + b"}"
