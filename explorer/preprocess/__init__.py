"""A picture -> a 28x28 MNIST-style digit: opening untrusted files (image_files), the
pipeline for ink on paper (mnist_style, with ruled paper in ruled and the ink's pieces in
pieces) or for a whole picture (whole_picture), the one resize (resample), and whether a
picture holds one digit (nondigit).

    from explorer.preprocess import to_mnist    # any image -> (28, 28) float32, or ImageError
"""

from explorer.errors import ImageError
from explorer.preprocess.mnist_style import stages, to_mnist

__all__ = ["ImageError", "stages", "to_mnist"]
