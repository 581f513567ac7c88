# Lists what each R file defines at its top level, using R's own parser and without running
# anything: `Rscript r-top-level-names.R FILE...` prints one line per file, fields separated by
# the unit separator (\x1f):
#   <n> OK <names, comma-joined> <functions, comma-joined> <1 when it source()s another file>
#   <n> SYNTAX <line> <column> <message>
#   <n> READ <message>
# Found: `name <- function`, `name = ...`, `name <<- ...`, `... -> name`, `assign("name", ...)`,
# inside top-level `{ }`, `if`/`else` and `local()` too. A name bound to anything but a function
# literal may still be a function (`f <- Vectorize(g)`), so it is listed in names, not functions.
sep <- "\x1f"
one_line <- function(text) gsub("[\r\n\x1f]+", " ", text)

walk <- function(expr, found) {
  if (!is.call(expr)) return(found)
  head <- expr[[1]]
  op <- if (is.name(head)) as.character(head) else ""
  bind <- function(target, value) {
    name <- if (is.name(target)) as.character(target) else if (is.character(target) && length(target) == 1) target else NULL
    if (is.null(name)) return(found)
    found$names <- c(found$names, name)
    if (is.call(value) && identical(value[[1]], as.name("function"))) found$functions <- c(found$functions, name)
    found
  }
  if (op %in% c("<-", "=", "<<-") && length(expr) == 3) return(bind(expr[[2]], expr[[3]]))
  if (op == "assign" && length(expr) >= 3) return(bind(expr[[2]], expr[[3]]))
  if (op == "{") {
    for (part in as.list(expr)[-1]) found <- walk(part, found)
    return(found)
  }
  if (op == "if") {
    for (part in as.list(expr)[-(1:2)]) found <- walk(part, found)
    return(found)
  }
  if (op == "local" && length(expr) >= 2) return(walk(expr[[2]], found))
  if (op %in% c("source", "sys.source")) found$sources <- TRUE
  found
}

files <- commandArgs(trailingOnly = TRUE)
for (i in seq_along(files)) {
  parsed <- tryCatch(parse(file = files[i], keep.source = FALSE, encoding = "UTF-8"), error = function(e) e)
  if (inherits(parsed, "error")) {
    message <- conditionMessage(parsed)
    position <- regmatches(message, regexec(":([0-9]+):([0-9]+): ([^\n]*)", message))[[1]]
    if (length(position) == 4) {
      cat(i, "SYNTAX", position[2], position[3], one_line(position[4]), sep = sep)
    } else {
      cat(i, "READ", one_line(message), sep = sep)
    }
    cat("\n")
    next
  }
  found <- list(names = character(), functions = character(), sources = FALSE)
  for (expr in as.list(parsed)) found <- walk(expr, found)
  cat(i, "OK", paste(unique(found$names), collapse = ","), paste(unique(found$functions), collapse = ","), if (found$sources) "1" else "0", sep = sep)
  cat("\n")
}
