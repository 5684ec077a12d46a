"""Helpers for the course "Image segmentation with Python": data, figures, sliders, metrics, exercises, progress."""
from .data import bbbc007_names, dataset_names, describe, load, voxel_size_from_file
from .explore import explore, values
from .output import output_dir
from .show import panels, show, show_grid, show_histogram, show_overlay

__all__ = ["load", "describe", "dataset_names", "bbbc007_names", "voxel_size_from_file", "explore", "values",
           "output_dir", "show", "show_grid", "show_histogram", "show_overlay", "panels"]
__version__ = "0.2.0"
