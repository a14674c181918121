"""Solvers for the course: lemons, double auctions, signalling."""
