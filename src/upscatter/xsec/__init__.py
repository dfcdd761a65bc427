"""Differential cross sections dsigma/dT (MeV^-3) for every process of the three papers."""
