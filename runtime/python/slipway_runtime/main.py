"""The replica process.

    python3 -m slipway_runtime --file FILE --function NAME --socket PATH
    python3 -m slipway_runtime --file FILE --function NAME [--port 0] [--host 127.0.0.1]

Locally the replica listens on a Unix domain socket at PATH (in the daemon's private run folder,
mode 0600), so nothing but the daemon can reach it; in a pod it listens on TCP.

Run with the build folder as working directory (FILE is relative to it), the deployment's
environment already applied, and runtime/python on PYTHONPATH.

Environment:
  SLIPWAY_REPLICA_ID    names the replica in the runtime's log lines
  SLIPWAY_CONCURRENCY   calls served at once (default 1)
  SLIPWAY_GATEWAY_URL   where the cdsw / cml SDK reaches the gateway (see slipway_runtime.sdk)
  SLIPWAY_PARENT_PID    the supervisor's pid: the replica stops once its parent is no longer that
  SLIPWAY_MAX_REQUEST_BYTES  bodies declared larger are refused with 413 (default 5 MiB)

Lifecycle: binds the socket or port (0 = any free port) and answers 503 there while FILE is
imported on the main thread; then prints `SLIPWAY_LOAD <json>` (what slipway_runtime.load_diagnosis
found: the warnings emitted while loading, and the classified error when it failed) and, once
loaded, `SLIPWAY_READY socket=<path>` (or `SLIPWAY_READY port=<port>`), as the first lines on
stdout, and serves GET /ready (200) and POST /invoke. SIGTERM / SIGINT: stop accepting, let calls
in flight answer, remove the socket, exit 0.

Exit codes: 0 stopped by a signal; 2 bad arguments or environment; 3 the model failed to import
(its traceback is on stderr; the ready line never appears).
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import warnings

from slipway_runtime import call_context, load_diagnosis, output_capture
from slipway_runtime.http_server import DEFAULT_BODY_LIMIT, HEAD_LIMIT, HttpServer
from slipway_runtime.invoke import Invocation, model_traceback
from slipway_runtime.model_loader import LoadError, load_function
from slipway_runtime.not_ready_responder import NotReadyResponder, bind, bind_unix
from slipway_runtime.replica_app import ReplicaApp

EXIT_USAGE = 2
EXIT_IMPORT_FAILED = 3


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 -m slipway_runtime", description="Serve one model function over HTTP."
    )
    parser.add_argument("--file", required=True, help="model file, relative to the build folder")
    parser.add_argument("--function", required=True, help="top-level function in the file")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # A sandbox without network cannot bind a port its parent can reach: the socket is bound
    # outside and handed over as an open file descriptor (see src/sandbox/).
    parser.add_argument("--listen-fd", type=int, default=None, help="serve on this listening socket")
    parser.add_argument("--socket", help="listen on this Unix domain socket path instead of TCP")
    return parser.parse_args(argv)


def _body_limit():
    raw = os.environ.get("SLIPWAY_MAX_REQUEST_BYTES", "").strip()
    if not raw:
        return DEFAULT_BODY_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError("SLIPWAY_MAX_REQUEST_BYTES must be a whole number of bytes, got %r" % raw)
    return int(raw)


def _concurrency():
    raw = os.environ.get("SLIPWAY_CONCURRENCY", "").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError("SLIPWAY_CONCURRENCY must be a whole number of at least 1, got %r" % raw)
    return int(raw)


def _import_model(args, capture):
    """The model function, or None after logging why it cannot be served.

    Warnings raised while importing are recorded (each once), logged, and reported with the
    classified error on the SLIPWAY_LOAD line, so `apply` can show them and say when the
    environment is the likely cause of a failure.
    """
    fn, failure = None, None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        try:
            fn = load_function(args.file, args.function)
        except LoadError as exc:
            capture.log("cannot serve: %s" % exc)
        except BaseException as exc:
            failure = exc
            capture.log("importing %s failed:\n%s" % (args.file, model_traceback(exc)))
    for warning in seen:
        capture.log("warning while loading %s: %s" % (args.file, warnings.formatwarning(
            warning.message, warning.category, warning.filename, warning.lineno).strip()))
    try:
        load = load_diagnosis.report(seen, failure)
    except Exception as exc:  # the diagnosis must never stop a replica
        load = {"warnings": [], "error": None, "diagnosisError": repr(exc)}
    capture.stdout_sink.write_now(b"SLIPWAY_LOAD " + json.dumps(load).encode("utf-8") + b"\n")
    return fn


async def _serve(sock, app, capture, serving, concurrency, body_limit, socket_path):
    http = HttpServer(app.handle, capture.log, body_limit)
    if socket_path is None:
        server = await asyncio.start_server(http.serve_connection, sock=sock, limit=HEAD_LIMIT)
        where = "%s:%d" % sock.getsockname()[:2]
        ready_line = b"SLIPWAY_READY port=%d\n" % sock.getsockname()[1]
    else:
        server = await asyncio.start_unix_server(http.serve_connection, sock=sock, limit=HEAD_LIMIT)
        where = socket_path
        ready_line = b"SLIPWAY_READY socket=" + os.fsencode(socket_path) + b"\n"
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    orphan_watch = loop.create_task(_stop_when_orphaned(stop))
    capture.stdout_sink.write_now(ready_line)
    capture.stdout_sink.release()
    capture.log("%s on %s, concurrency %d" % (serving, where, concurrency))
    await stop.wait()
    orphan_watch.cancel()
    capture.log("stopping: finishing calls in flight")
    server.close()
    await http.stop()
    app.close()
    capture.log("stopped")


async def _stop_when_orphaned(stop, interval=1.0):
    """Stop when the process that started us (the supervisor) is gone.

    A daemon killed with SIGKILL cannot stop its replicas; without this they would keep their
    ports and serve stale builds forever. The parent changing (re-parented to init or a
    subreaper) is the portable signal of that. The supervisor names itself in SLIPWAY_PARENT_PID,
    so a parent that died before this process got here is noticed too.
    """
    named = os.environ.get("SLIPWAY_PARENT_PID", "")
    parent = int(named) if named.isdigit() else os.getppid()
    while not stop.is_set():
        await asyncio.sleep(interval)
        if os.getppid() != parent:
            stop.set()


def main(argv=None):
    """Run a replica until stopped; returns the process exit code."""
    args = _parse_args(argv)
    call_context.mark_replica()
    try:
        concurrency = _concurrency()
        body_limit = _body_limit()
    except ValueError as exc:
        print("slipway_runtime: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.listen_fd is not None:
            sock = socket.socket(fileno=args.listen_fd)
        else:
            sock = bind(args.host, args.port) if args.socket is None else bind_unix(args.socket)
    except OSError as exc:
        where = args.socket if args.socket is not None else "%s:%d" % (args.host, args.port)
        print("slipway_runtime: cannot listen on %s: %s" % (where, exc), file=sys.stderr)
        return EXIT_USAGE
    capture = output_capture.install()
    responder = NotReadyResponder(sock)
    responder.start()
    fn = _import_model(args, capture)
    responder.stop()
    if fn is None:
        _remove_socket(args.socket)
        capture.flush_partial()
        capture.stdout_sink.release()
        # The failed import may have left threads running; do not wait for them.
        os._exit(EXIT_IMPORT_FAILED)
    app = ReplicaApp(Invocation(fn, capture.log, capture.flush_partial), concurrency)
    serving = "replica %s serving %s:%s" % (
        os.environ.get("SLIPWAY_REPLICA_ID") or "(unnamed)", args.file, args.function
    )
    try:
        asyncio.run(_serve(sock, app, capture, serving, concurrency, body_limit, args.socket))
    finally:
        _remove_socket(args.socket)
    capture.flush_partial()
    return 0


def _remove_socket(path):
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass
