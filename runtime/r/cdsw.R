# CML's model-metrics helpers for R models served by Slipway (runtime/r/slipway_runtime.R loads
# this file into the environment model files are sourced under, so they need no library() call;
# `library(cdsw)` is accepted and does nothing).
#
#   predict <- model_metrics(function(args) {      # CML: cdsw.model_metrics
#     track_metric("input", args)                 # CML: cdsw.track_metric
#     list(score = 0.5)
#   })
#   read_metrics(model_deployment_crn = crn)     # CML: cdsw.read_metrics
#
# A metrics-enabled function answers as in CML: list(prediction, model_deployment_crn, uuid); the
# metrics tracked during the call go back to the gateway with the answer and are stored there.
# `track.metric` is accepted as an alias of `track_metric`. Not here: call_model,
# track_delayed_metrics, track_aggregate_metrics and track_file (see the README).

.slipway_call <- new.env()
.slipway_call$metrics <- NULL
.slipway_call$record <- NULL
.slipway_call$warned <- character()

# The gateway reads `metrics` as a JSON object: an empty named list, not list().
.slipway_empty_object <- function() setNames(list(), character())

.slipway_uuid4 <- function() {
  hex <- sample(c(0:9, letters[1:6]), 30, replace = TRUE)
  variant <- sample(c("8", "9", "a", "b"), 1)
  paste0(paste(hex[1:8], collapse = ""), "-", paste(hex[9:12], collapse = ""), "-4", paste(hex[13:15], collapse = ""),
         "-", variant, paste(hex[16:18], collapse = ""), "-", paste(hex[19:30], collapse = ""))
}

#' Tracks `value` under `key` for the current prediction (the last value of a key wins). Outside a
#' model_metrics function nothing is recorded and a warning is printed once per key.
track_metric <- function(key, value) {
  key <- as.character(key)
  if (is.null(.slipway_call$metrics)) {
    if (!(key %in% .slipway_call$warned)) {
      .slipway_call$warned <- c(.slipway_call$warned, key)
      message(sprintf("track_metric(\"%s\") was called outside a metrics-enabled function, so it is not recorded; wrap the model function with model_metrics()", key))
    }
    return(invisible(NULL))
  }
  .slipway_call$metrics[[key]] <- value
  invisible(NULL)
}
track.metric <- track_metric

#' Makes `fn` metrics-enabled (CML's `cdsw.model_metrics`): each call gets a prediction uuid, and
#' what it tracks is stored with it.
model_metrics <- function(fn) {
  force(fn)
  function(...) {
    outer <- .slipway_call$metrics
    .slipway_call$metrics <- .slipway_empty_object()
    id <- .slipway_uuid4()
    prediction <- tryCatch(fn(...), finally = {
      tracked <- .slipway_call$metrics
      .slipway_call$metrics <- outer
    })
    # The outermost wrapped function ends last, so its uuid is the response's.
    .slipway_call$record <- list(uuid = id, metrics = tracked)
    list(prediction = prediction, model_deployment_crn = Sys.getenv("SLIPWAY_MODEL_DEPLOYMENT_CRN"), uuid = id)
  }
}

#' Reads tracked metrics from the gateway (CML's `cdsw.read_metrics`), between two times in ms
#' since the epoch (default: from 0 to now). Returns CML's shape: list(metrics = list(...)).
read_metrics <- function(model_deployment_crn = NULL, start_timestamp_ms = NULL, end_timestamp_ms = NULL,
                         model_crn = NULL, model_build_crn = NULL, model_access_key = NULL) {
  gateway <- Sys.getenv("SLIPWAY_GATEWAY_URL")
  if (gateway == "") stop("read_metrics reads metrics from the Slipway gateway, but SLIPWAY_GATEWAY_URL is not set: call it from a model served by Slipway, or set SLIPWAY_GATEWAY_URL and SLIPWAY_API_KEY")
  end <- if (is.null(end_timestamp_ms)) floor(as.numeric(Sys.time()) * 1000) else end_timestamp_ms
  query <- c(modelDeploymentCrn = model_deployment_crn, modelCrn = model_crn, modelBuildCrn = model_build_crn,
             modelAccessKey = model_access_key, startTimestampMs = format(if (is.null(start_timestamp_ms)) 0 else start_timestamp_ms, scientific = FALSE),
             endTimestampMs = format(end, scientific = FALSE))
  address <- paste0(gateway, "/api/v1/metrics?", paste(names(query), vapply(query, URLencode, "", reserved = TRUE), sep = "=", collapse = "&"))
  key <- Sys.getenv("SLIPWAY_API_KEY")
  headers <- c(Accept = "application/json", if (key != "") c(Authorization = paste("Bearer", key)))
  connection <- url(address, method = "libcurl", headers = headers)
  on.exit(close(connection))
  text <- tryCatch(paste(readLines(connection, warn = FALSE), collapse = "\n"), error = function(e) {
    stop(sprintf("read_metrics: the gateway at %s did not answer it: %s", gateway, conditionMessage(e)), call. = FALSE)
  })
  jsonlite::fromJSON(text, simplifyVector = FALSE)
}

# `library(cdsw)` / `require(cdsw)` as CML R code writes them: the helpers are here already.
library <- function(package, ...) {
  name <- if (missing(package)) NULL else if (is.character(substitute(package))) package else deparse(substitute(package))
  if (identical(name, "cdsw")) return(invisible(NULL))
  if (is.null(name)) return(base::library(...))
  base::library(name, character.only = TRUE, ...)
}
require <- function(package, ...) {
  name <- if (is.character(substitute(package))) package else deparse(substitute(package))
  if (identical(name, "cdsw")) return(invisible(TRUE))
  base::require(name, character.only = TRUE, ...)
}
