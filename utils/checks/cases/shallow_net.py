"""Cases of the shallow_net notebook."""
