"""Cases of the deep_net notebook."""
