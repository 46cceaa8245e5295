"""Fast NumPy kernels, one per loss, referenced by each loss's definition (``LossDefinition.fast``).

``_blocks`` holds the shared machinery; ``regression``, ``binary`` and ``rows`` the kernels of each family.
"""
