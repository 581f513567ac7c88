"""Slipway's replica runtime: serves one model function over HTTP/1.1, standard library only.

Start it with `python3 -m slipway_runtime --file predict.py --function predict --port 0`
(see `slipway_runtime.main` for the whole contract).
"""

__version__ = "0.1.0"
