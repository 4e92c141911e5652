"""The train stage: optimizers, the training loop, checkpoints, bundled datasets and users' data files."""
