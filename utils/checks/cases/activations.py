"""Cases of the activations notebook."""
