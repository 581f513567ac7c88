"""Serve the fitted line: predicted petal width for a petal length."""
import json

# Loaded once when the replica imports this file; the build folder is the working directory.
with open("model.json") as f:
    PARAMS = json.load(f)


def predict(args):
    length = float(args["petal_length"])
    return {"petal_width": round(PARAMS["slope"] * length + PARAMS["intercept"], 4)}
