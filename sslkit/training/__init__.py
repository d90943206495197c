"""Layer 3 of sslkit: training (the one Lightning path, run folders), evaluation (kNN, linear
probes), FLOP counting and judging a difference against the seed spread. Imports parts and
methods only."""
