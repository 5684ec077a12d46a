"""Lesson 11, surfaces from labels: the exercises, and the lesson's nuclei they are checked against.

- ``workflow_peak_mib``: the peak memory, in MiB, of a four-step workflow on a 1024 x 1024 x 100 stack with the
  data types cle returns (16-bit raw, float32 background-subtracted, 8-bit binary, 32-bit labels) when each image
  is deleted once the next step has used it: the first step, 200 + 400 = 600 MiB. Recognises all four images
  kept, the float32 and labels together, one float32 image alone, the second step, the text's 16-bit workflow,
  MB, bytes, GiB and the bytes per voxel.
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

__all__ = ["workflow_peak_mib", "nucleus_height", "nuclei", "nucleus_extents", "quiet_vedo", "NUCLEUS",
           "STACK_VOXELS", "WORKFLOW_BYTES"]

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


# --- exercise 1: the peak memory of a workflow with cle's data types ------------------------------------------
STACK_VOXELS = 100 * 1024 * 1024     # the lecture's stack, 1024 x 1024 pixels x 100 slices
WORKFLOW_BYTES = (2, 4, 1, 4)        # raw uint16, background-subtracted float32, binary uint8, labels uint32


def _mib(bytes_per_voxel):
    return STACK_VOXELS * bytes_per_voxel / 2**20


_PEAK = max(a + b for a, b in zip(WORKFLOW_BYTES, WORKFLOW_BYTES[1:]))  # 2 + 4: the first step

workflow_peak_mib = NumberExercise(
    "surfaces_from_labels.workflow_peak_mib",
    expected=_mib(_PEAK),
    decimals=0,
    unit="MiB",
    mistakes=[
        (_mib(sum(WORKFLOW_BYTES)), "That keeps all four images. Here each image is deleted once the next step "
                                    "has used it: at most a step's input and output are in memory."),
        (_mib(4 + 4), "The float32 image and the labels are never in memory together: the binary image comes "
                      "between them. Look at each step's input and output."),
        (_mib(4), "400 MiB is one float32 image alone, or the 16-bit workflow of the text. A step needs its input "
                  "and its output at the same time, and here the background-subtracted image is float32, 4 bytes "
                  "per voxel."),
        (_mib(4 + 1), "That is the second step (float32 in, binary out). Which step needs the most?"),
        (_mib(2 + 2 + 1 + 2), "That is the 16-bit workflow of the text with all images kept."),
        (STACK_VOXELS * _PEAK / 1e6, "That is in MB (10^6 bytes). The question asks for MiB: divide the bytes by "
                                     "2**20."),
        (STACK_VOXELS * sum(WORKFLOW_BYTES) / 1e6, "That keeps all four images, and is in MB, not MiB."),
        (STACK_VOXELS * _PEAK, "That is in bytes. One MiB is 2^20 bytes: divide by 2**20."),
        (STACK_VOXELS * _PEAK / 2**30, "That is in GiB (2^30 bytes). The question asks for MiB (2^20 bytes)."),
        (_PEAK, "That is the bytes per voxel of the largest pair (2 + 4). Multiply by the number of voxels, then "
                "divide by 2^20 for MiB."),
    ],
    wrong=("That is not the peak of this workflow in MiB. For each step, add the bytes per voxel of its input and "
           "its output; take the largest, multiply by the voxels and divide by 2^20."),
    success=("The first step holds the 16-bit raw stack (200 MiB) and its float32 result (400 MiB): 600 MiB. "
             "Keeping all four images would take 1100 MiB, and the 16-bit workflow of the text 400 MiB: data types "
             "matter as much as the number of steps."),
    hints=["Deleting each image once the next step has used it leaves, during each step, its input and its output "
           "in memory.",
           "Bytes per voxel: 2 (16-bit), 4 (float32), 1 (8-bit), 4 (32-bit). Which consecutive pair is the largest?",
           "`100 * 1024 * 1024 * (2 + 4) / 2**20`"],
    solution_text=("voxels = 100 * 1024 * 1024\n"
                   "bytes_per_voxel = [2, 4, 1, 4]  # 16-bit, float32, 8-bit, 32-bit\n"
                   "steps = [a + b for a, b in zip(bytes_per_voxel, bytes_per_voxel[1:])]\n"
                   "peak_mib = voxels * max(steps) / 2**20"),
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
