"""Fit petal width from petal length (ordinary least squares, standard library only).

Run `python3 fit.py` in this folder to refit; it writes model.json, which predict.py serves.
"""
import csv
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def fit(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = [float(r["petal_length"]) for r in rows]
    y = [float(r["petal_width"]) for r in rows]
    mx, my = statistics.fmean(x), statistics.fmean(y)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    intercept = my - slope * mx
    return {"slope": slope, "intercept": intercept, "samples": len(rows)}


if __name__ == "__main__":
    params = fit(os.path.join(HERE, "iris.csv"))
    with open(os.path.join(HERE, "model.json"), "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
    print(json.dumps(params))
