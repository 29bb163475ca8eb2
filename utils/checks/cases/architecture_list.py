"""Cases of the architecture_list notebook."""
