"""Helpers for the course "Image segmentation with Python": data, sliders, metrics, exercises, setup check."""
from .data import bbbc007_names, dataset_names, describe, load, voxel_size_from_file
from .explore import explore, values
from .output import output_dir

__all__ = ["load", "describe", "dataset_names", "bbbc007_names", "voxel_size_from_file", "explore", "values",
           "output_dir"]
__version__ = "0.1.0"
