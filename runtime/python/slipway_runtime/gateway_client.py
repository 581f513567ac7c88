"""JSON over HTTP to the Slipway gateway, for the SDK (urllib: standard library only).

The gateway's address comes from SLIPWAY_GATEWAY_URL (e.g. http://127.0.0.1:8700); requests
carry `Authorization: Bearer <key>` when an API key is given or SLIPWAY_API_KEY is set.
"""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

_TIMEOUT_SECONDS = 60.0


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; `status` is None if unreached."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


def gateway_url():
    """SLIPWAY_GATEWAY_URL without a trailing slash, or None when unset."""
    url = os.environ.get("SLIPWAY_GATEWAY_URL", "").strip()
    return url.rstrip("/") or None


def _require_url(what):
    url = gateway_url()
    if url is None:
        raise GatewayError(
            "%s needs the Slipway gateway, but SLIPWAY_GATEWAY_URL is not set (replicas started by "
            "Slipway have it; elsewhere set it to the gateway's address, e.g. "
            "http://127.0.0.1:8700)" % what
        )
    return url


def _timeout():
    raw = os.environ.get("SLIPWAY_SDK_TIMEOUT_SECONDS", "")
    try:
        return float(raw) if raw else _TIMEOUT_SECONDS
    except ValueError:
        return _TIMEOUT_SECONDS


def request_json(what, method, path, body=None, query=None, api_key=None, accept_errors=False):
    """Send one request to the gateway and return (status, decoded JSON body).

    With accept_errors, an HTTP error status still returns its JSON body (as CML's call_model
    returns the error document); otherwise it raises GatewayError.
    """
    url = _require_url(what) + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    key = api_key or os.environ.get("SLIPWAY_API_KEY")
    if key:
        headers["Authorization"] = "Bearer " + key
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=_timeout()) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise GatewayError("%s: cannot reach the gateway at %s: %s" % (what, url, exc))
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        raise GatewayError(
            "%s: the gateway answered %d with a body that is not JSON" % (what, status),
            status, raw[:500],
        )
    if status >= 400 and not accept_errors:
        message = decoded.get("message") if isinstance(decoded, dict) else None
        raise GatewayError(
            "%s: the gateway answered %d%s" % (what, status, ": %s" % message if message else ""),
            status, decoded,
        )
    return status, decoded
