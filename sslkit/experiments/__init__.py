"""Layer 5 of sslkit: what the notebooks measure — experiment sweeps, the floor and the
supervised baseline, transfer and label efficiency, scaling."""
