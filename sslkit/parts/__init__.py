"""Layer 1 of sslkit, pure pieces with no training loop: where files live, run profiles,
threads, data, augmentations, backbones, heads, losses, EMA targets, clustering, the collapse
monitor, safe file handling. Imports nothing above it (tests/test_layers.py)."""
