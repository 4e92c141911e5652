"""The compile stage: derived equations printed as batched NumPy or JAX code, the compiled ``Model``, gradcheck."""
