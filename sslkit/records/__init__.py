"""Layer 4 of sslkit: what was trained, kept and reused — the reference store (manifest,
verified loading, recording), the one load-or-train policy, saved results, pretrained encoders."""
