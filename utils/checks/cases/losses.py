"""Cases of the losses notebook."""
