"""Case tables, one module per notebook; importing this package registers every case."""
from . import affine  # noqa: F401
