"""Latent-plane maths, pure functions: encoding and decoding sets and grids, densities,
how far a plane reaches, outliers, and one digit's walk through the model."""
