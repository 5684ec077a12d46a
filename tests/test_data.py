"""The data loader: every dataset loads, checksums are enforced, errors say what to do."""
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import segcourse
from segcourse import data

ROOT = Path(__file__).resolve().parents[1]


def test_every_listed_file_has_a_dataset_and_a_checksum():
    listed = set(data._expected_checksums(data.data_dir()))
    registered = {info.path for info in data.DATASETS.values()}
    assert registered == listed
    on_disk = {str(p.relative_to(ROOT / "data")) for p in (ROOT / "data").rglob("*")
               if p.is_file() and p.name not in {"SHA256SUMS", "SOURCES.md"}}
    assert on_disk == listed


def test_all_files_intact():
    assert set(data.verify_all().values()) == {"ok"}


@pytest.mark.parametrize("name", data.dataset_names())
def test_every_dataset_loads_with_licence_and_source(name):
    loaded = segcourse.load(name)
    info = segcourse.describe(name)
    assert info.licence and info.attribution and info.description
    if info.kind == "mesh":
        vertices, faces = loaded
        assert vertices.shape == (3324, 3) and faces.shape == (6643, 3)
    else:
        assert isinstance(loaded, np.ndarray) and loaded.size > 0


@pytest.mark.parametrize("name, shape, dtype", [
    ("blobs", (254, 256), np.uint8),
    ("bbbc022", (3, 395, 695), np.uint16),
    ("neubias_membranes_nuclei", (2, 354, 475), np.uint8),
    ("neubias_nuclei_3d", (37, 118, 132), np.uint8),
    ("bbbc039_nuclei", (520, 696), np.uint16),
    ("platynereis_ground_truth", (103, 256, 256), np.int32),
])
def test_shapes_match_sources(name, shape, dtype):
    image = segcourse.load(name)
    assert image.shape == shape and image.dtype == dtype


def test_bbbc039_ground_truth_has_110_nuclei():
    labels = segcourse.load("bbbc039_ground_truth")
    assert labels.shape == (520, 696)
    assert labels.max() == 110 and len(np.unique(labels)) == 111


def test_voxel_size_is_read_from_the_file_and_matches_the_registry():
    assert segcourse.voxel_size_from_file("neubias_nuclei_3d") == (4.0, 0.8286, 0.8286)
    assert segcourse.describe("neubias_nuclei_3d").voxel_size_zyx == (4.0, 0.8286, 0.8286)
    assert segcourse.voxel_size_from_file("blobs") is None


def test_bbbc007_names_are_sorted_and_pair_up():
    names = segcourse.bbbc007_names()
    assert names == sorted(names) and len(names) == 6
    for name in names:
        assert segcourse.load(f"bbbc007/{name}").shape == segcourse.load(f"bbbc007_annotation/{name}").shape


def test_loaded_arrays_are_copies():
    image = segcourse.load("blobs")
    image[:] = 0
    assert segcourse.load("blobs").max() == 248


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(data.UnknownDatasetError) as error:
        segcourse.load("blob")
    message = str(error.value)
    assert "Unknown dataset 'blob'" in message and "blobs_sparse_labels" in message and "bbbc007/A9_p7d" in message


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    monkeypatch.setenv("SEGCOURSE_DATA", str(target))
    data._expected_checksums.cache_clear()
    yield target
    data._expected_checksums.cache_clear()


def test_damaged_file_is_named(data_copy):
    path = data_copy / "blobs" / "blobs.tif"
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(data.DataFileError, match=r"blobs/blobs.tif is damaged.*git checkout -- data/"):
        segcourse.load("blobs")
    assert data.verify_all()["blobs/blobs.tif"] == "damaged"


def test_missing_file_is_named(data_copy):
    (data_copy / "misc" / "label_map_with_index_gaps.tif").unlink()
    with pytest.raises(data.DataFileError, match=r"misc/label_map_with_index_gaps.tif .* is missing"):
        segcourse.load("label_map_with_index_gaps")


def test_missing_data_folder_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGCOURSE_DATA", str(tmp_path))
    with pytest.raises(data.DataFileError, match="SEGCOURSE_DATA"):
        segcourse.load("blobs")


def test_loading_never_writes_to_data():
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
              for p in (ROOT / "data").rglob("*") if p.is_file()}
    for name in data.dataset_names():
        segcourse.load(name)
    after = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
             for p in (ROOT / "data").rglob("*") if p.is_file()}
    assert before == after


def test_output_dir_is_outside_the_course(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(tmp_path / "out"))
    folder = segcourse.output_dir("08_surfaces")
    assert folder.is_dir() and folder == tmp_path / "out" / "08_surfaces"
    assert ROOT not in folder.parents
