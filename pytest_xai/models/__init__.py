"""Models: the ModelSpec contract, the zoos of each benchmark and their loaders."""
