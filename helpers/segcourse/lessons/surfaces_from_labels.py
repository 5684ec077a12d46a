"""Lesson 11, surfaces from labels: the exercises, and the lesson's nuclei they are checked against.

- ``memory_mb``: the memory, in MB (10^6 bytes), of the nuclei stack resampled to 1 µm voxels, shape
  (148, 98, 109), float32: 6.32 MB. Recognises the size in bytes, in MiB and in GB, voxels counted instead of
  bytes, 8, 2 or 32 bytes per voxel instead of 4, and the original 8-bit stack.
- ``nucleus_height``: the height (extent along z) in µm of the mesh of nucleus 12: 12 µm. Recognises the extent
  along y or x (the vertex table's columns are z, y, x), the distance between the centres of its first and last
  voxels, the mesh of ``nppas.label_to_surface`` (a voxel larger on every side), the height of the whole mesh,
  the range over all three columns, µm from the original voxel sizes, and the nucleus's numbers of voxels and
  vertices.

``nuclei()`` is the lesson's segmentation, computed once: the stack resampled to 1 µm voxels, Voronoi-Otsu
labelling and the nuclei on the border removed (lesson 12 uses it too).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from segcourse.data import describe, load, voxel_size_from_file
from segcourse.exercises import NumberExercise

__all__ = ["memory_mb", "nucleus_height", "nuclei", "nucleus_extents", "quiet_vedo", "ORIGINAL_SHAPE", "RESAMPLED_SHAPE",
           "NUCLEUS"]

ORIGINAL_SHAPE = (37, 118, 132)   # the NEUBIAS nuclei stack, uint8, voxels of 4 x 0.8286 x 0.8286 µm
RESAMPLED_SHAPE = (148, 98, 109)  # the same resampled to 1 µm voxels (cle.scale), float32
NUCLEUS = 12                      # the nucleus of exercise 2


@contextmanager
def quiet_vedo():
    """vedo 2023.4.4 (pinned for nppas 0.5.0) calls VTK methods that VTK 9.7 deprecates: not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="vedo")
        yield


@lru_cache(maxsize=1)
def _segmentation() -> tuple[np.ndarray, np.ndarray]:
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle
    image = load("neubias_nuclei_3d")
    voxel_size_z, voxel_size_y, voxel_size_x = voxel_size_from_file("neubias_nuclei_3d")
    isotropic = cle.pull(cle.scale(image, factor_z=voxel_size_z, factor_y=voxel_size_y,
                                   factor_x=voxel_size_x, auto_size=True))
    labels = nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=3, outline_sigma=1)
    inner_labels = np.asarray(nsbatwm.remove_labels_on_edges(labels))
    isotropic.flags.writeable = inner_labels.flags.writeable = False
    return isotropic, inner_labels


def nuclei() -> np.ndarray:
    """The lesson's label image: 64 nuclei that do not touch the border of the resampled stack (a copy)."""
    return _segmentation()[1].copy()


# --- exercise 1: the memory of the resampled stack -----------------------------------------------------------
_VOXELS = int(np.prod(RESAMPLED_SHAPE))
_ORIGINAL_VOXELS = int(np.prod(ORIGINAL_SHAPE))

memory_mb = NumberExercise(
    "surfaces_from_labels.memory_mb",
    expected=_VOXELS * 4 / 1e6,
    decimals=2,
    unit="MB",
    mistakes=[
        (_VOXELS * 4, "That is the size in bytes. One MB is 10^6 bytes: divide by 1e6."),
        (_VOXELS * 4 / 2**20, "That is the size in MiB (2^20 bytes). The question asks for MB (10^6 bytes): "
                              "divide the bytes by 1e6, not by 2**20."),
        (_VOXELS * 4 / 1e9, "That is the size in GB (10^9 bytes). The question asks for MB (10^6 bytes)."),
        (_VOXELS / 1e6, "You counted voxels, not bytes: each float32 voxel takes 4 bytes."),
        (_VOXELS, "That is the number of voxels. Multiply by the bytes per voxel (4 for float32), then divide "
                  "by 10^6."),
        (_VOXELS * 8 / 1e6, "8 bytes per voxel is float64; the stack is float32, 4 bytes per voxel."),
        (_VOXELS * 2 / 1e6, "2 bytes per voxel is 16-bit; the stack is float32, 4 bytes per voxel."),
        (_VOXELS * 32 / 1e6, "float32 has 32 bits, which are 4 bytes: multiply by 4, not by 32."),
        (_ORIGINAL_VOXELS / 1e6, "That is the original 8-bit stack, (37, 118, 132). The question asks for the "
                                 "resampled one, (148, 98, 109) in float32."),
    ],
    wrong=("That is not the size of a (148, 98, 109) float32 stack in MB. Multiply the number of voxels by the "
           "bytes per voxel and divide by 10^6."),
    success=(f"{_VOXELS:,} voxels x 4 bytes = {_VOXELS * 4:,} bytes = {_VOXELS * 4 / 1e6:.2f} MB "
             f"({_VOXELS * 4 / 2**20:.2f} MiB). The original 8-bit stack takes {_ORIGINAL_VOXELS / 1e6:.2f} MB: "
             "resampling (2.7 times more voxels) and float32 (4 bytes instead of 1) made it 11 times larger."),
    hints=["Memory = number of voxels x bytes per voxel.",
           "`np.prod(shape)` multiplies the sizes along the axes; `np.dtype(np.float32).itemsize` is the bytes per "
           "voxel. One MB is 10^6 bytes.",
           "`np.prod((148, 98, 109)) * 4 / 1e6`"],
    solution_text=("resampled_shape = (148, 98, 109)\n"
                   "resampled_mb = np.prod(resampled_shape) * np.dtype(np.float32).itemsize / 1e6"),
)


# --- exercise 2: the height of one nucleus's mesh ------------------------------------------------------------
@lru_cache(maxsize=1)
def nucleus_extents() -> dict:
    """Extents in µm of nucleus 12: of its mesh along z, y, x; of its voxel centres along z; of the mesh of
    nppas.label_to_surface along z; of the whole mesh along z; its numbers of voxels and of mesh vertices; the
    range of all its coordinates (z, y and x mixed)."""
    import napari_process_points_and_surfaces as nppas
    inner_labels = _segmentation()[1]
    with quiet_vedo():
        vertices = np.asarray(nppas.all_labels_to_surface(inner_labels == NUCLEUS)[0])
        level_zero = np.asarray(nppas.label_to_surface(inner_labels, label_id=NUCLEUS)[0])
        everything = np.asarray(nppas.all_labels_to_surface(inner_labels > 0)[0])
    z_of_voxels = np.nonzero(inner_labels == NUCLEUS)[0]
    z, y, x = np.ptp(vertices, axis=0)
    return {"z": float(z), "y": float(y), "x": float(x),
            "voxel centres": float(z_of_voxels.max() - z_of_voxels.min()),
            "label_to_surface": float(np.ptp(level_zero[:, 0])), "all nuclei": float(np.ptp(everything[:, 0])),
            "voxels": int(np.count_nonzero(inner_labels == NUCLEUS)), "vertices": len(vertices),
            "all columns": float(vertices.max() - vertices.min())}


def _extent(name, factor=1.0):
    return lambda: nucleus_extents()[name] * factor


_voxel_size = describe("neubias_nuclei_3d").voxel_size_zyx

nucleus_height = NumberExercise(
    "surfaces_from_labels.nucleus_height",
    expected=_extent("z"),
    unit="µm",
    mistakes=[
        (_extent("y"), "That is the nucleus's extent along y. The vertex table's columns are (z, y, x): the "
                       "height is along z, column 0, `vertices[:, 0]`."),
        (_extent("x"), "That is the nucleus's extent along x. The vertex table's columns are (z, y, x): the "
                       "height is along z, column 0, `vertices[:, 0]`."),
        (_extent("voxel centres"),
         "That is the distance between the centres of the nucleus's lowest and highest voxels. The mesh lies half "
         "a voxel outside them, at each end: measure the mesh's vertices, `vertices[:, 0]`."),
        (_extent("label_to_surface"),
         "That is the mesh of `nppas.label_to_surface`, which puts the surface through the centres of the "
         "background voxels around the nucleus (see the Going further block above): one voxel too far out. Make "
         "the mesh with `nppas.all_labels_to_surface(inner_labels == 12)`."),
        (_extent("all nuclei"), "That is the height of the mesh of all nuclei. Make the mesh of nucleus 12 alone, "
                                "from `inner_labels == 12`."),
        (_extent("z", _voxel_size[0]), "The resampled voxels are 1 µm wide in every direction, so the vertex "
                                       "coordinates are µm already: no need to multiply by 4 µm."),
        (_extent("z", _voxel_size[1]), "The resampled voxels are 1 µm wide in every direction, so the vertex "
                                       "coordinates are µm already: no need to multiply by 0.8286 µm."),
        (_extent("all columns"), "That is the largest minus the smallest of all coordinates, z, y and x "
                                 "mixed. Take column 0, the z coordinates, alone: `vertices[:, 0]`."),
        (_extent("voxels"), "That is the nucleus's number of voxels (its volume in µm³), not its height."),
        (_extent("vertices"), "That is the number of vertices of the nucleus's mesh, not its height: take the "
                              "largest minus the smallest z coordinate."),
    ],
    wrong=("That is not the height of nucleus 12's mesh. Make its mesh with "
           "`nppas.all_labels_to_surface(inner_labels == 12)`, then take the largest minus the smallest z "
           "coordinate (column 0 of the vertex table)."),
    success=("Nucleus 12 is 12 µm tall: 12 voxel slices of 1 µm, and the mesh runs half a voxel beyond the centres "
             "of the first and last slice. It is 7 µm wide along y and 9 µm along x."),
    hints=["Make the mesh of this one nucleus: `nppas.all_labels_to_surface(inner_labels == 12)`; its first "
           "element is the vertex table.",
           "The vertex table's columns are (z, y, x), in µm here. The height is the largest minus the smallest "
           "value in column 0.",
           "`vertices[:, 0].max() - vertices[:, 0].min()`, or `np.ptp(vertices[:, 0])`."],
    solution_text=("nucleus_vertices, nucleus_faces = nppas.all_labels_to_surface(inner_labels == 12)\n"
                   "height = nucleus_vertices[:, 0].max() - nucleus_vertices[:, 0].min()"),
)
