// An R model file for the local daemon's integration tests, doing on request what the Python
// `behavingModels` (local-models.ts) do: answer its input, raise, exit mid-call, sleep, tell
// whether it sees a path (`peek`), or hold
// its replica until a release file exists (at most 60 s).

export const behavingRModels = `library(jsonlite)

cat("models loaded\\n")

echo <- function(args) {
  if (!is.null(args$raise)) stop(paste("asked to raise:", args$raise))
  if (isTRUE(args$exit)) quit(save = "no", status = 3)
  if (!is.null(args$sleep)) Sys.sleep(args$sleep)
  if (!is.null(args$peek)) return(list(seen = file.exists(args$peek), library = Sys.getenv("R_LIBS_USER")))
  args
}

# CML's model metrics: cdsw.R's helpers, with the library() call CML R code makes.
library(cdsw)
scored <- model_metrics(function(args) {
  track_metric("input", args$x)
  track.metric("doubled", args$x * 2)
  args$x * 2
})

reader <- function(args) read_metrics(model_deployment_crn = args$crn)

# Defined through assign(): the parser-based check finds functions however they are made.
assign("hold", function(args) {
  for (i in 1:6000) {
    if (file.exists(args$release)) break
    Sys.sleep(0.01)
  }
  list(held = args$tag, pid = Sys.getpid())
})
`;

/** A models.yaml entry for a function of `r/models.R`, with extra YAML lines for the model. */
export function rModelEntry(name: string, fn: 'echo' | 'hold' | 'scored' | 'reader', extra: string[] = []): string {
  return [`  - name: ${name}`, '    file: r/models.R', `    function: ${fn}`, '    runtime: r', ...extra.map((line) => `    ${line}`)].join('\n');
}

/** Whether Rscript with jsonlite and httpuv can run here; a reason when not. */
export { rMissing } from './r-missing.ts';
