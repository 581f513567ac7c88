"""The replica's two routes: GET /ready and POST /invoke.

With the default concurrency of 1 a replica serves one call at a time, and the call runs right
on the event-loop thread: no hand-off between threads, which is most of the cost of a trivial
call (~13k calls/s against ~8k with a worker thread, on one core). The price is that the loop
does not answer, not even /ready, while a call runs; callers of /ready during a long call wait
for it to finish. The model is imported on this same (main) thread, so what it sets up at import
time is there in its calls. With SLIPWAY_CONCURRENCY=N > 1 calls run on a pool of N threads and
the loop stays free.
"""
import asyncio
from concurrent.futures import ThreadPoolExecutor

from slipway_runtime.invoke import error_body

_READY = b'{"ready":true}'


def _outside_the_loop(fn, arg):
    """Call fn(arg) on the loop's thread as if no event loop were running there.

    A CML model may call asyncio.run() in its function, which refuses to start inside a running
    loop; hiding ours for the duration of the call (the loop is blocked anyway) lets it work as
    it does on CML. _get_running_loop / _set_running_loop are asyncio's hooks for loop authors.
    """
    running = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        return fn(arg)
    finally:
        asyncio._set_running_loop(running)


class ReplicaApp:
    def __init__(self, invocation, concurrency):
        self._invocation = invocation
        self._executor = None
        if concurrency > 1:
            self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="model")

    async def handle(self, method, path, body):
        """(status, JSON bytes, extra header bytes) for one request."""
        if path == "/invoke":
            if method != "POST":
                return 405, error_body("MethodNotAllowed", "use POST /invoke"), b"Allow: POST\r\n"
            request, bad = self._invocation.parse(body)
            if bad is not None:
                return bad[0], bad[1], b""
            if self._executor is None:
                status, payload = _outside_the_loop(self._invocation.run, request)
            else:
                loop = asyncio.get_running_loop()
                status, payload = await loop.run_in_executor(
                    self._executor, self._invocation.run, request
                )
            return status, payload, b""
        if path == "/ready":
            if method != "GET":
                return 405, error_body("MethodNotAllowed", "use GET /ready"), b"Allow: GET\r\n"
            # This server only starts once the model is imported (before that the port answers
            # 503 from not_ready_responder), so here the replica is always ready.
            return 200, _READY, b""
        message = "no route %s %s; a replica serves GET /ready and POST /invoke" % (method, path)
        return 404, error_body("NotFound", message), b""

    def close(self):
        if self._executor is not None:
            self._executor.shutdown(wait=False)
