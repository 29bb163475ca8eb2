"""Case tables, one module per notebook; importing this package registers every case."""
from . import (  # noqa: F401
    activations,
    affine,
    architecture_list,
    best_model,
    deep_net,
    losses,
    shallow_net,
    why_backprop,
)
