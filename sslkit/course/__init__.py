"""Layer 6 of sslkit: what the notebooks print and draw — their setup and result cells, the
training-time estimate, plots, widgets, ``make demo`` and the reference command."""
