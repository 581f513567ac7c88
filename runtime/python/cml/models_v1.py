"""CML's `cml.models_v1`: the `cml_model` decorator and `call_model`.

    import cml.models_v1 as models

    @models.cml_model(metrics=True)
    def predict(args):
        ...
"""
from slipway_runtime.sdk import call_model, cml_model

__all__ = ["call_model", "cml_model"]
