"""The smallest model: adds two numbers. A CML model file, unchanged."""


def add(args):
    return args["a"] + args["b"]
