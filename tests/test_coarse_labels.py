"""Coarse CIFAR-10 labels (sslkit.experiments.coarse_labels)."""

import pytest
import torch

from sslkit.experiments.coarse_labels import COARSE_CLASSES, coarse
from sslkit.parts.data import CIFAR10_CLASSES, ImageSet


def test_each_class_maps_to_animal_or_vehicle_by_hand():
    data = ImageSet(torch.zeros(10, 3, 32, 32, dtype=torch.uint8), torch.arange(10), CIFAR10_CLASSES)
    # airplane automobile bird cat deer dog frog horse ship truck
    assert coarse(data).labels.tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert coarse(data).classes == COARSE_CLASSES and coarse(data).images is data.images


def test_other_class_names_are_refused():
    with pytest.raises(ValueError, match="not: \\['zebra'\\]"):
        coarse(ImageSet(torch.zeros(1, 3, 32, 32, dtype=torch.uint8), torch.zeros(1, dtype=torch.long), ("zebra",)))
