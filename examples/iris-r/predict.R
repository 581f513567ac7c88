# Petal width from petal length, in R: the same line as iris/predict.py, fitted with lm() on the
# Iris data set R ships (datasets::iris) when the replica starts. CML passes the request as a
# named list; a named list answers a JSON object.
fit <- lm(Petal.Width ~ Petal.Length, data = datasets::iris)

predict_width <- function(args) {
  length <- as.numeric(args$petal_length)
  if (length(length) != 1 || is.na(length)) stop("send {\"petal_length\": <number>}")
  width <- predict(fit, newdata = data.frame(Petal.Length = length))[[1]]
  list(petal_width = round(width, 3))
}
