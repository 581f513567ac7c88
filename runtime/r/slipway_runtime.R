# The R replica: serves one model function over HTTP with the same protocol as runtime/python.
#
#   Rscript runtime/r/slipway_runtime.R --file FILE --function NAME [--port 0] [--host 127.0.0.1]
#   Rscript runtime/r/slipway_runtime.R --file FILE --function NAME --socket PATH
#
# Run with the build folder as working directory (FILE is relative to it) and the deployment's
# environment applied. Needs jsonlite and httpuv (Debian: r-cran-jsonlite, r-cran-httpuv).
#
# Environment:
#   SLIPWAY_REPLICA_ID   names the replica in the runtime's log lines
#   SLIPWAY_PARENT_PID   the supervisor's pid: the replica stops once its parent is no longer that
#
# Lifecycle: binds the port (0: a free one, found by binding), sources FILE, checks NAME is a
# function, then prints exactly `SLIPWAY_READY port=<port>` as the first line on stdout and serves
# GET /ready (200 {"ready":true}) and POST /invoke. With --socket it listens on a Unix socket
# (mode 0600) instead and prints `SLIPWAY_READY socket=<path>`: httpuv writes a response's head and
# body in two writes, which over TCP wait ~40 ms for the client's delayed ACK (Nagle), and not over
# a Unix socket. Calls arriving while FILE is sourced wait (R
# runs one thing at a time) instead of getting 503. One call at a time per replica.
#
# POST /invoke, body: the request JSON, decoded with jsonlite::fromJSON (an object becomes a named
# list, as CML passes it):
#   200 {"response": <value>, "metrics": null, "uuid": null}   value encoded with auto_unbox, so
#       list(prediction = 1.5) answers {"prediction":1.5}; NULL answers null
#   500 {"error": {"type": <condition class>, "message", "traceback"}}   the function signalled an error
#   500 {"error": {"type": "ResponseNotJSONEncodable", "message", "traceback": ""}}
#   400 {"error": {"type": "BadRequest", "message"}}                    the body is not JSON
#   404 / 405 {"error": {...}} for anything else
#
# Output: what the model prints (stdout, and message() / warning() on stderr) is written line by
# line as `<ISO time, UTC, ms> <stream> <text>`; the runtime's own lines use the stream `runtime`.
# Exit codes: 0 stopped because the parent is gone or by SIGINT; 2 bad arguments, packages or port;
# 3 the model failed to load (its error on stderr, no ready line). SIGTERM ends R at once (R has
# no handler for it); the supervisor treats that as a stop.

EXIT_USAGE <- 2L
EXIT_LOAD_FAILED <- 3L

iso_now <- function() format(Sys.time(), "%Y-%m-%dT%H:%M:%OS3Z", tz = "UTC")

# One write per batch of lines, each prefixed with its time and stream.
emit <- function(stream, text, to = if (stream == "stdout") stdout() else stderr()) {
  if (length(text) == 0) return(invisible())
  lines <- unlist(strsplit(paste(text, collapse = "\n"), "\n", fixed = TRUE))
  if (length(lines) == 0) return(invisible())
  cat(paste0(iso_now(), " ", stream, " ", lines, "\n", collapse = ""), file = to)
  flush(to)
}
runtime_log <- function(...) emit("runtime", paste0(...))

usage <- function(message) {
  cat("slipway_runtime.R: ", message, "\nusage: Rscript slipway_runtime.R --file FILE --function NAME [--port 0] [--host 127.0.0.1] [--socket PATH]\n", sep = "", file = stderr())
  quit(save = "no", status = EXIT_USAGE)
}

parse_args <- function(argv) {
  opts <- list(file = NULL, `function` = NULL, port = "0", host = "127.0.0.1", socket = NULL)
  i <- 1
  while (i <= length(argv)) {
    key <- sub("^--", "", argv[i])
    if (!startsWith(argv[i], "--") || !(key %in% names(opts)) || i == length(argv)) usage(paste("unexpected argument", argv[i]))
    opts[[key]] <- argv[i + 1]
    i <- i + 2
  }
  if (is.null(opts$file) || is.null(opts[["function"]])) usage("--file and --function are required")
  if (!grepl("^[0-9]+$", opts$port)) usage(paste("--port must be a number, got", opts$port))
  opts$port <- as.integer(opts$port)
  opts
}

# Runs `thunk`, writing what it prints and signals as log lines; returns list(value) or
# list(error, traceback). `boundary` matches the runtime's own call of the model's code: the
# traceback keeps only the frames below it, outermost first, as Python prints them.
run_captured <- function(thunk, boundary, hold_stdout = FALSE) {
  out <- character()
  con <- textConnection("out", "w", local = TRUE)
  sink(con)
  trace <- NULL
  result <- tryCatch(
    withCallingHandlers(
      list(value = thunk()),
      message = function(m) {
        emit("stderr", sub("\n$", "", conditionMessage(m)))
        invokeRestart("muffleMessage")
      },
      warning = function(w) {
        emit("stderr", paste("Warning:", conditionMessage(w)))
        invokeRestart("muffleWarning")
      },
      error = function(e) {
        trace <<- vapply(sys.calls(), function(call) paste(deparse(call, nlines = 1L), collapse = ""), "")
      }
    ),
    error = function(e) list(error = e)
  )
  sink()
  close(con)
  result$stdout <- out
  if (!hold_stdout) emit("stdout", out)
  if (!is.null(result$error)) result$traceback <- model_traceback(trace, boundary, result$error)
  result
}

model_traceback <- function(trace, boundary, error) {
  start <- match(TRUE, grepl(boundary, trace), nomatch = 0L)
  frames <- if (start > 0L && start < length(trace)) trace[(start + 1L):length(trace)] else character()
  # R's own error handlers sit below the failing call.
  frames <- frames[!grepl("^(h\\(simpleError|\\.handleSimpleError|withCallingHandlers|eval\\(ei, envir\\)|eval\\(exprs\\[i\\], envir\\))", frames)]
  paste(c(if (length(frames) > 0) paste0("  ", frames), sprintf("%s: %s", class(error)[1], conditionMessage(error))), collapse = "\n")
}

json_error <- function(type, message, traceback = NULL) {
  error <- list(type = type, message = message)
  if (!is.null(traceback)) error$traceback <- traceback
  as.character(jsonlite::toJSON(list(error = error), auto_unbox = TRUE))
}

encode_response <- function(value) {
  if (is.null(value)) return("null")
  as.character(jsonlite::toJSON(value, auto_unbox = TRUE, null = "null", na = "null", digits = NA))
}

answer <- function(status, body, headers = list()) {
  list(status = status, headers = c(list("Content-Type" = "application/json"), headers), body = body)
}

invoke_model <- function(fn, body, helpers) {
  request <- tryCatch(jsonlite::fromJSON(body), error = function(e) e)
  if (inherits(request, "error")) {
    return(answer(400L, json_error("BadRequest", paste0("the request body is not valid JSON (", conditionMessage(request), "); send the model's input as JSON"))))
  }
  helpers$.slipway_call$record <- NULL
  ran <- run_captured(function() fn(request), "^fn\\(request\\)$")
  if (!is.null(ran$error)) {
    type <- class(ran$error)[1]
    runtime_log("call raised ", type, ": ", conditionMessage(ran$error), "\n", ran$traceback)
    return(answer(500L, json_error(type, conditionMessage(ran$error), ran$traceback)))
  }
  encoded <- tryCatch(encode_response(ran$value), error = function(e) e)
  if (inherits(encoded, "error")) {
    message <- paste0("the function's return value cannot be encoded as JSON: ", conditionMessage(encoded), ". Return lists, vectors, strings, numbers, logicals or NULL")
    runtime_log("call failed: ", message)
    return(answer(500L, json_error("ResponseNotJSONEncodable", message, "")))
  }
  record <- helpers$.slipway_call$record
  if (is.null(record)) return(answer(200L, paste0('{"response":', encoded, ',"metrics":null,"uuid":null}')))
  metrics <- tryCatch(as.character(jsonlite::toJSON(record$metrics, auto_unbox = TRUE, null = "null", na = "null", digits = NA)), error = function(e) "{}")
  answer(200L, paste0('{"response":', encoded, ',"metrics":', metrics, ',"uuid":"', record$uuid, '"}'))
}

# SLIPWAY_MAX_REQUEST_BYTES (default 5 MiB): a larger body is refused from its headers alone
# (httpuv's onHeaders), before it is read.
max_request_bytes <- function() {
  value <- Sys.getenv("SLIPWAY_MAX_REQUEST_BYTES", "")
  if (grepl("^[0-9]+$", value)) as.numeric(value) else 5 * 1024 * 1024
}

refuse_large <- function(req, limit) {
  length <- suppressWarnings(as.numeric(req$HTTP_CONTENT_LENGTH %||% req$CONTENT_LENGTH %||% ""))
  if (length(length) == 1 && !is.na(length) && length > limit) {
    return(answer(413L, json_error("RequestTooLarge", sprintf("the request body has %.0f bytes; this replica takes at most %.0f (SLIPWAY_MAX_REQUEST_BYTES)", length, limit)), list(Connection = "close")))
  }
  NULL
}

`%||%` <- function(a, b) if (is.null(a)) b else a

handle_request <- function(fn, req, helpers) {
  path <- req$PATH_INFO
  method <- req$REQUEST_METHOD
  if (identical(path, "/invoke")) {
    if (method != "POST") return(answer(405L, json_error("MethodNotAllowed", "use POST /invoke"), list(Allow = "POST")))
    body <- rawToChar(req$rook.input$read())
    Encoding(body) <- "UTF-8"
    return(invoke_model(fn, body, helpers))
  }
  if (identical(path, "/ready")) {
    if (method != "GET") return(answer(405L, json_error("MethodNotAllowed", "use GET /ready"), list(Allow = "GET")))
    return(answer(200L, '{"ready":true}'))
  }
  answer(404L, json_error("NotFound", sprintf("no route %s %s; a replica serves GET /ready and POST /invoke", method, path)))
}

# Binds the Unix socket `socket` (owner only), else `port`, or with 0 the first free one of random
# tries: httpuv cannot listen on port 0.
listen <- function(host, port, socket, app) {
  if (!is.null(socket)) {
    server <- tryCatch(httpuv::startPipeServer(socket, strtoi("177", 8L), app), error = function(e) e)
    if (inherits(server, "error")) {
      cat(sprintf("slipway_runtime.R: cannot listen on the socket %s: %s\n", socket, conditionMessage(server)), file = stderr())
      quit(save = "no", status = EXIT_USAGE)
    }
    return(list(server = server, ready = paste0("socket=", socket), where = paste0("unix:", socket)))
  }
  ports <- if (port == 0L) sample(20000:60999, 64) else port
  for (candidate in ports) {
    server <- tryCatch(httpuv::startServer(host, candidate, app), error = function(e) NULL)
    if (!is.null(server)) return(list(server = server, ready = paste0("port=", candidate), where = sprintf("%s:%d", host, candidate)))
  }
  cat(sprintf("slipway_runtime.R: cannot listen on %s:%d\n", host, port), file = stderr())
  quit(save = "no", status = EXIT_USAGE)
}

parent_pid <- function() {
  stat <- readLines("/proc/self/stat", warn = FALSE)
  # The command name in parentheses may hold spaces: the fields after it are plain.
  as.integer(strsplit(sub("^.*\\) ", "", stat), " ", fixed = TRUE)[[1]][2])
}

# The folder of this script, from Rscript's --file= argument.
runtime_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])
  dirname(normalizePath(file))
}

main <- function() {
  opts <- parse_args(commandArgs(trailingOnly = TRUE))
  # Requests are UTF-8 JSON: without a UTF-8 locale (a bare environment is "C"), R would show and
  # deparse "é" as "<U+00E9>". C.UTF-8 is always there on Debian.
  if (!isTRUE(l10n_info()[["UTF-8"]])) invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))
  for (package in c("jsonlite", "httpuv")) {
    if (!requireNamespace(package, quietly = TRUE)) usage(sprintf("the R package %s is not installed (Debian: apt-get install r-cran-%s)", package, package))
  }
  fn <- NULL
  limit <- max_request_bytes()
  # CML's cdsw helpers (cdsw.R, beside this file) are visible to the model file.
  helpers <- new.env(parent = globalenv())
  sys.source(file.path(runtime_dir(), "cdsw.R"), envir = helpers)
  app <- list(call = function(req) handle_request(fn, req, helpers), onHeaders = function(req) refuse_large(req, limit))
  bound <- listen(opts$host, opts$port, opts$socket, app)
  model_env <- new.env(parent = helpers)
  loaded <- run_captured(function() sys.source(opts$file, envir = model_env, keep.source = TRUE), "^sys\\.source\\(", hold_stdout = TRUE)
  if (!is.null(loaded$error)) {
    emit("stdout", loaded$stdout)
    runtime_log("sourcing ", opts$file, " failed:\n", loaded$traceback)
    quit(save = "no", status = EXIT_LOAD_FAILED)
  }
  name <- opts[["function"]]
  if (!exists(name, envir = model_env, inherits = FALSE) || !is.function(get(name, envir = model_env))) {
    emit("stdout", loaded$stdout)
    runtime_log(sprintf("%s defines no function %s", opts$file, name))
    quit(save = "no", status = EXIT_LOAD_FAILED)
  }
  fn <- get(name, envir = model_env)
  cat(sprintf("SLIPWAY_READY %s\n", bound$ready))
  flush(stdout())
  emit("stdout", loaded$stdout)
  replica <- Sys.getenv("SLIPWAY_REPLICA_ID", "(unnamed)")
  runtime_log(sprintf("replica %s serving %s:%s on %s, concurrency 1", if (replica == "") "(unnamed)" else replica, opts$file, name, bound$where))
  named <- Sys.getenv("SLIPWAY_PARENT_PID", "")
  parent <- if (grepl("^[0-9]+$", named)) as.integer(named) else parent_pid()
  # A daemon killed with SIGKILL cannot stop its replicas: a changed parent is the sign to stop.
  stopped <- tryCatch({
    repeat {
      httpuv::service(1000)
      if (parent_pid() != parent) break
    }
    "the parent process is gone"
  }, interrupt = function(e) "interrupted")
  runtime_log("stopping: ", stopped)
  httpuv::stopServer(bound$server)
  if (!is.null(opts$socket)) unlink(opts$socket)
  runtime_log("stopped")
  quit(save = "no", status = 0L)
}

main()
