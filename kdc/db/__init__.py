"""Principal store: the model, the async store interface, and its backends."""
