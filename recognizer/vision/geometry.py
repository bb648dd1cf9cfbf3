"""Small geometric helpers shared by the pipeline steps."""

from __future__ import annotations

import math

import cv2
import numpy as np


def turn(shape: tuple[int, int], angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    """Affine matrix turning an image of ``shape`` (h, w) by ``angle`` degrees about its centre.

    Positive angles turn counter-clockwise on screen (OpenCV's convention), so a line
    falling to the right by ``angle`` comes out level. The canvas grows to hold every
    pixel: returns the (2, 3) matrix and the new (width, height) for ``cv2.warpAffine``.
    """
    h, w = shape
    rad = math.radians(angle)
    c, s = abs(math.cos(rad)), abs(math.sin(rad))
    nw, nh = int(math.ceil(w * c + h * s)) + 2, int(math.ceil(w * s + h * c)) + 2
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, (nw, nh)
