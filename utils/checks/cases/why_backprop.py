"""Cases of the why_backprop notebook."""
