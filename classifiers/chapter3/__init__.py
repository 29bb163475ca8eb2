"""Chapter 3: feedforward neural networks from scratch in NumPy.

``from classifiers.chapter3 import *`` gives every layer, loss, network and update rule of the chapter.
"""
from .bp_network import *  # noqa: F403
from .classifier import *  # noqa: F403
from .fc_net import *  # noqa: F403
from .layer_utils import *  # noqa: F403
from .layers import *  # noqa: F403
from .optim import *  # noqa: F403
from .shallow_layer_net import *  # noqa: F403
from .two_layer_net import *  # noqa: F403
