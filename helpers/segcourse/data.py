"""Course datasets: load an image by name, checked against its sha256, with no network.

>>> image = load("blobs")
>>> describe("neubias_nuclei_3d").voxel_size_zyx
(4.0, 0.8286, 0.8286)

The files live in the repository's ``data/`` folder (or in ``$SEGCOURSE_DATA``); nothing here writes to them.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["load", "describe", "voxel_size_from_file", "dataset_names", "bbbc007_names", "data_dir", "verify_all",
           "DatasetInfo", "DataError", "UnknownDatasetError", "DataFileError"]


class DataError(Exception):
    """Base class of the course's data errors."""


class UnknownDatasetError(DataError, KeyError):
    def __str__(self):  # KeyError would otherwise quote the whole message
        return self.args[0]


class DataFileError(DataError):
    """A course file is missing or does not match its checksum."""


BBBC_LICENCE = "CC0 (per the Broad Bioimage Benchmark Collection)"
BIA_NOTEBOOKS = "BioImageAnalysisNotebooks (Robert Haase and contributors), CC BY 4.0"
NEUBIAS = "Copyright NEUBIAS, https://github.com/NEUBIAS/training-resources, CC BY 4.0"
BBBC007_CREDIT = ("Image set BBBC007v1 (Jones et al., 2005) from the Broad Bioimage Benchmark Collection "
                  "(Ljosa et al., Nature Methods, 2012), cropped to 340x340, 16-bit")
BBBC007_STEMS = ("17P1_POS0013_D_1UL", "20P1_POS0005_D_1UL", "20P1_POS0007_D_1UL", "20P1_POS0010_D_1UL",
                 "A9_p7d", "AS_09125_040701150004_A02f00d0")


@dataclass(frozen=True)
class DatasetInfo:
    """What is known about one course dataset."""
    name: str
    path: str                      # relative to the data folder
    description: str
    licence: str
    attribution: str
    voxel_size_zyx: tuple | None = None   # micrometres, where the file or its source states it
    kind: str = "image"            # image, labels, binary, mesh

    def citation(self) -> str:
        return f"{self.description}. Source: {self.attribution}. Licence: {self.licence}."


def _registry() -> dict[str, DatasetInfo]:
    entries = [
        DatasetInfo("blobs", "blobs/blobs.tif", "ImageJ 'blobs' sample, inverted grey values",
                    "ImageJ sample data; BiAPoL course repository CC BY 4.0", "ImageJ sample images, via the BiAPoL course"),
        DatasetInfo("blobs_sparse_labels", "blobs/blobs_sparse_labels.tif", "Sparse instance annotation of 7 blobs",
                    "CC BY 4.0", BIA_NOTEBOOKS, kind="labels"),
        DatasetInfo("blobs_otsu", "blobs/blobs_otsu.tif", "Otsu binary of blobs (0/255)",
                    "CC BY 4.0", BIA_NOTEBOOKS, kind="binary"),
        DatasetInfo("blobs_otsu_watershed_imagej", "blobs/blobs_otsu_watershed_imagej.tif",
                    "ImageJ Process > Binary > Watershed applied to blobs_otsu (0/255)",
                    "CC BY 4.0", BIA_NOTEBOOKS, kind="binary"),
        DatasetInfo("bbbc022", "BBBC022/IXMtest_A02_s9.tif",
                    "U2OS Cell Painting crop, channels: 0 Hoechst nuclei, 1 and 2 cytoplasm stains (12-bit)",
                    "CC0", "Image set BBBC022v1 (Gustafsdottir et al., PLOS ONE, 2013) from the Broad Bioimage "
                    "Benchmark Collection (Ljosa et al., Nature Methods, 2012)"),
        DatasetInfo("bbbc039_nuclei", "BBBC039/IXMtest_A02_s1_w1.tif", "U2OS Hoechst nuclei, full field (12-bit)",
                    "CC0", "Image set BBBC039v1 (Caicedo et al., 2018) from the Broad Bioimage Benchmark Collection"),
        DatasetInfo("bbbc039_ground_truth", "BBBC039/IXMtest_A02_s1_mask.png",
                    "Dense ground truth of bbbc039_nuclei, labelled from the mask's map colours (110 nuclei)",
                    "CC0", "Image set BBBC039v1 (Caicedo et al., 2018) from the Broad Bioimage Benchmark Collection",
                    kind="labels"),
        DatasetInfo("neubias_membranes_nuclei", "NEUBIAS/xyc_8bit__membranes_nuclei.tif",
                    "Dense epithelium, channel 0 membranes, channel 1 nuclei", "CC BY 4.0", NEUBIAS),
        DatasetInfo("neubias_nuclei_3d", "NEUBIAS/xyz_8bit__nuclei_autothresh.tif",
                    "3D nuclei stack, anisotropic voxels", "CC BY 4.0", NEUBIAS, voxel_size_zyx=(4.0, 0.8286, 0.8286)),
        DatasetInfo("platynereis_ground_truth", "platynereis/platynereis_tp7_nuclei_ground_truth.tif",
                    "3D nuclei ground-truth labels of Platynereis, 36 objects with ids up to 37",
                    "CC BY 4.0", "Ozpolat et al., https://doi.org/10.5281/zenodo.1063531; labels by "
                    "BioImageAnalysisNotebooks", kind="labels"),
        DatasetInfo("platynereis_voronoi_otsu", "platynereis/platynereis_tp7_nuclei_voronoi_otsu.tif",
                    "Voronoi-Otsu segmentation of the Platynereis nuclei volume", "CC BY 4.0",
                    "Ozpolat et al., https://doi.org/10.5281/zenodo.1063531; labels by BioImageAnalysisNotebooks",
                    kind="labels"),
        DatasetInfo("membranes_2d", "cells3d/membranes_2d.tif", "Membrane channel, slice 28 of scikit-image's cells3d",
                    "Public domain", "Allen Institute for Cell Science, via BioImageAnalysisNotebooks"),
        DatasetInfo("membranes_2d_sparse_labels", "cells3d/membranes_2d_sparse_labels.tif",
                    "Sparse annotation of 3 cells in membranes_2d", "CC BY 4.0", BIA_NOTEBOOKS, kind="labels"),
        DatasetInfo("label_map_with_index_gaps", "misc/label_map_with_index_gaps.tif",
                    "4 labels with ids up to 8", "CC BY 4.0", BIA_NOTEBOOKS, kind="labels"),
        DatasetInfo("gastruloid", "gastruloid/gastruloid.ply", "Surface mesh of a gastruloid (vertices, faces)",
                    "CC BY 4.0", "Derived from AV Luque and JV Veenvliet (2023), https://zenodo.org/record/7603081, "
                    "via napari-process-points-and-surfaces", kind="mesh"),
    ]
    for stem in BBBC007_STEMS:
        entries.append(DatasetInfo(f"bbbc007/{stem}", f"BBBC007/images/{stem}.tif",
                                   "Drosophila Kc167 nuclei (DNA stain), BBBC007 crop", BBBC_LICENCE, BBBC007_CREDIT))
        entries.append(DatasetInfo(f"bbbc007_annotation/{stem}", f"BBBC007/annotations/{stem}.tif",
                                   "Sparse instance annotation of the BBBC007 crop of the same name",
                                   "CC BY 4.0", "Course authors (BiAPoL)", kind="labels"))
    return {entry.name: entry for entry in entries}


DATASETS = _registry()


def dataset_names() -> list[str]:
    """All names that :func:`load` accepts, sorted."""
    return sorted(DATASETS)


def bbbc007_names() -> list[str]:
    """The six BBBC007 crops, sorted, for ``load(f"bbbc007/{name}")`` and ``load(f"bbbc007_annotation/{name}")``."""
    return list(BBBC007_STEMS)


def data_dir() -> Path:
    """The course data folder: ``$SEGCOURSE_DATA`` if set, else ``data/`` of the repository."""
    folder = Path(os.environ.get("SEGCOURSE_DATA") or Path(__file__).resolve().parents[2] / "data")
    if not (folder / "SHA256SUMS").is_file():
        raise DataFileError(f"Course data folder not found at {folder} (it has no SHA256SUMS). "
                            "Run the course from a clone of its repository, or set SEGCOURSE_DATA to its data/ folder.")
    return folder


@lru_cache(maxsize=1)
def _expected_checksums(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    return {path: digest for digest, path in (line.split(maxsplit=1) for line in lines if line.strip())}


@lru_cache(maxsize=None)
def _verified(path: Path, size: int, mtime_ns: int, expected: str) -> bool:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest == expected


def _checked_path(info: DatasetInfo) -> Path:
    folder = data_dir()
    path = folder / info.path
    expected = _expected_checksums(folder).get(info.path)
    if not path.is_file():
        raise DataFileError(f"Course file {info.path} for dataset '{info.name}' is missing from {folder}. "
                            "Restore it with `git checkout -- data/` in the course folder.")
    stat = path.stat()
    if expected is None or not _verified(path, stat.st_size, stat.st_mtime_ns, expected):
        raise DataFileError(f"Course file {info.path} is damaged: its sha256 does not match SHA256SUMS "
                            f"(expected {expected}). Restore it with `git checkout -- data/` in the course folder.")
    return path


def voxel_size_from_file(name: str) -> tuple[float, float, float] | None:
    """The (z, y, x) voxel size in micrometres stored in an ImageJ TIFF, or None if it stores none."""
    import tifffile
    with tifffile.TiffFile(_checked_path(describe(name))) as tif:
        metadata = tif.imagej_metadata or {}
        if "spacing" not in metadata:
            return None
        numerator, denominator = tif.pages[0].tags["XResolution"].value
        xy = denominator / numerator  # XResolution is pixels per unit
        return (float(metadata["spacing"]), round(xy, 4), round(xy, 4))


def describe(name: str) -> DatasetInfo:
    """Source, licence, voxel size and file of a dataset."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        known = ", ".join(dataset_names())
        raise UnknownDatasetError(f"Unknown dataset {name!r}. Known datasets: {known}.") from None


def load(name: str):
    """Load a course dataset by name, after checking its sha256.

    Images and label images come back as numpy arrays (a fresh copy: changing one never changes the file);
    the ``gastruloid`` mesh comes back as ``(vertices, faces)``.

    Outside the course you read the same file yourself: ``tifffile.imread("data/blobs/blobs.tif")`` (or
    ``skimage.io.imread``); ``describe(name).path`` says which file a name stands for.
    """
    info = describe(name)
    path = _checked_path(info)
    if info.kind == "mesh":
        return _read_ply(path)
    if path.suffix == ".png":
        import imageio.v3 as iio
        from skimage.measure import label
        mask = iio.imread(path)
        array = label(mask[..., 0], connectivity=1).astype(np.int32)  # map colours 0-3 -> one id per nucleus
    else:
        import tifffile
        array = tifffile.imread(path)
    return array


def _read_ply(path: Path):
    import warnings
    import vedo
    with warnings.catch_warnings():  # vedo 2023.4.4 calls VTK methods that VTK 9.7 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        mesh = vedo.load(str(path))
        vertices = np.asarray(mesh.points(), dtype=np.float64)
        faces = np.asarray(mesh.faces(), dtype=np.int64)
    return vertices, faces


def verify_all() -> dict[str, str]:
    """Check every file listed in SHA256SUMS; returns {file: 'ok' | 'missing' | 'damaged'}."""
    folder = data_dir()
    status = {}
    for relative, expected in _expected_checksums(folder).items():
        path = folder / relative
        if not path.is_file():
            status[relative] = "missing"
        else:
            stat = path.stat()
            status[relative] = "ok" if _verified(path, stat.st_size, stat.st_mtime_ns, expected) else "damaged"
    return status
