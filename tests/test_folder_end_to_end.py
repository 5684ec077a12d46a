"""Lesson 19 (a folder end to end): every number the lesson states, the bad-file checks, the progress bar's output,
and both exercises with right and wrong answers."""
import io
import time

import numpy as np
import pandas as pd
import pytest
import tifffile
from skimage.measure import regionprops_table

from segcourse.data import data_dir
from segcourse.lessons import folder_end_to_end as lesson
from segcourse.metrics import sparse_jaccard

pytest.importorskip("napari_segment_blobs_and_things_with_membranes")

NAMES = ["17P1_POS0013_D_1UL.tif", "20P1_POS0005_D_1UL.tif", "20P1_POS0007_D_1UL.tif", "20P1_POS0010_D_1UL.tif",
         "A9_p7d.tif", "AS_09125_040701150004_A02f00d0.tif"]
BAR = "{l_bar}{bar:20}| {n_fmt}/{total_fmt}"


@pytest.fixture(scope="module")
def pairs():
    return lesson.read_pairs()


@pytest.fixture(scope="module")
def nuclei(pairs):
    """The lesson's batch: one row per object of every image, with the chosen parameters."""
    images, _, _ = pairs
    tables = []
    for name, image in images.items():
        labels = lesson.segment(image, **lesson.CHOSEN)
        table = pd.DataFrame(regionprops_table(labels, intensity_image=image, properties=(
            "label", "area", "perimeter", "mean_intensity", "centroid")))
        table.insert(0, "file", name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def test_the_folder(pairs):
    images, stored, relabelled = pairs
    assert [path.name for path in sorted((data_dir() / "BBBC007" / "images").iterdir())] == NAMES
    assert list(images) == NAMES
    assert all(image.shape == (340, 340) and image.dtype == np.uint16 for image in images.values())
    assert [int(a.max()) for a in stored.values()] == [8, 6, 7, 6, 9, 8]
    assert [int(a.max()) for a in relabelled.values()] == [8, 6, 7, 6, 8, 7]
    for name in NAMES:  # relabelling keeps every object, only the ids change
        assert np.array_equal(stored[name] > 0, relabelled[name] > 0)


def test_the_lectures_number_and_the_two_scorers(pairs):
    from the_segmentation_game.metrics import jaccard_index_sparse
    images, stored, relabelled = pairs
    labels = lesson.segment(images[NAMES[0]])
    assert sparse_jaccard(relabelled[NAMES[0]], labels) == 0.8357392602053431
    assert jaccard_index_sparse(relabelled[NAMES[0]], labels) == 0.8357392602053431
    for name in NAMES:  # "the same number as jaccard_index_sparse on gap-free ids"
        labels = lesson.segment(images[name])
        assert np.isclose(sparse_jaccard(relabelled[name], labels), jaccard_index_sparse(relabelled[name], labels))


def test_lecture_parameters_over_the_folder():
    scores = lesson._scores(10, 5, 1)
    assert round(np.mean(scores), 4) == 0.7022
    assert min(scores) == scores[NAMES.index("20P1_POS0010_D_1UL.tif")]  # the image that scores worst


def test_the_slider_image():
    _, _, relabelled = lesson.read_pairs()
    images = lesson.read_pairs()[0]
    name = "20P1_POS0010_D_1UL.tif"
    scores = {(spot, outline): sparse_jaccard(relabelled[name], lesson.segment(images[name], 10, spot, outline))
              for spot in lesson.SPOT_SIGMAS for outline in lesson.OUTLINE_SIGMAS}
    best = max(scores, key=scores.get)
    assert best == (2, 1) and round(scores[best], 3) == 0.558


def test_grid_search():
    grid = lesson.grid_scores()
    table = {key: round(value, 3) for key, value in grid.items()}
    assert table == {(2, 1): 0.700, (2, 2): 0.691, (2, 3): 0.661, (3, 1): 0.718, (3, 2): 0.709, (3, 3): 0.675,
                     (4, 1): 0.703, (4, 2): 0.698, (4, 3): 0.668, (5, 1): 0.702, (5, 2): 0.698, (5, 3): 0.667,
                     (6, 1): 0.702, (6, 2): 0.698, (6, 3): 0.667}
    best = max(grid, key=grid.get)
    assert best == (lesson.CHOSEN["spot_sigma"], lesson.CHOSEN["outline_sigma"]) == (3, 1)
    assert round(grid[best], 4) == 0.7181
    assert grid[best] > grid[(5, 1)]  # "spot_sigma=3 beats the lecture's 5"


def test_radius_and_nucleus_size(pairs):
    _, stored, _ = pairs
    areas = np.concatenate([np.bincount(a.ravel())[1:][np.bincount(a.ravel())[1:] > 0] for a in stored.values()])
    assert len(areas) == 42
    assert round(np.sqrt(np.median(areas) / np.pi)) == 8  # "nuclei about 8 pixels in radius"
    assert lesson.mean_score(20, 3, 1) < lesson.mean_score(10, 3, 1)  # "radius 20 scores a little below"
    assert lesson.mean_score(10, 3, 1) - lesson.mean_score(20, 3, 1) < 0.01


def test_the_batch_and_its_summary(nuclei):
    assert len(nuclei) == 364 and nuclei["file"].nunique() == 6
    assert list(nuclei.columns) == ["file", "label", "area", "perimeter", "mean_intensity", "centroid-0",
                                    "centroid-1"]
    per_file = nuclei.groupby("file").agg(nuclei=("label", "count"), median_area=("area", "median"))
    assert per_file["nuclei"].tolist() == [44, 41, 73, 53, 100, 53]
    assert per_file["median_area"].tolist() == [207, 234, 223, 211, 242, 122]
    others = per_file["median_area"].drop("AS_09125_040701150004_A02f00d0.tif")
    assert 0.45 < 122 / others.median() < 0.6  # "half the size of the others'"
    assert (nuclei["area"] < 10).sum() >= 3  # "a few objects of a handful of pixels"


def test_progress_bar_output_has_no_times_and_is_the_same_however_slow():
    outputs = []
    for pause in (0, 0.05):
        stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # like the kernel's sys.stdout
        from tqdm import tqdm
        for _ in tqdm(range(6), file=stream, mininterval=0, desc="images", bar_format=BAR):
            time.sleep(pause)
        stream.flush()
        outputs.append(stream.buffer.getvalue().decode("utf-8"))
    assert outputs[0] == outputs[1]
    states = outputs[0].split("\r")
    assert states[-1] == "images: 100%|████████████████████| 6/6\n"
    assert len(states) == 9  # the start, each of 6 steps, and the closing line
    assert "it/s" not in outputs[0] and "<" not in outputs[0]


def read_image(path):
    """The lesson's read_image."""
    try:
        image = tifffile.imread(path)
    except (tifffile.TiffFileError, ValueError) as error:
        return None, f"not a readable TIFF ({error})"
    if image.ndim != 2:
        return None, f"shape {image.shape}, not a 2D image"
    return image, None


def test_bad_files_are_reported(tmp_path, pairs, caplog):
    images, _, _ = pairs
    source = data_dir() / "BBBC007" / "images" / NAMES[0]
    (tmp_path / "notes.txt").write_text("plate 3, row A")
    tifffile.imwrite(tmp_path / "stack.tif", np.stack([images[NAMES[0]]] * 3), photometric="minisblack")
    (tmp_path / "interrupted_copy.tif").write_bytes(source.read_bytes()[:50_000])
    (tmp_path / "good.tif").write_bytes(source.read_bytes())
    problems = {path.name: read_image(path)[1] for path in sorted(tmp_path.iterdir())}
    assert problems == {
        "good.tif": None,
        "interrupted_copy.tif": "not a readable TIFF (failed to read 231200 bytes, got 49822)",
        "notes.txt": "not a readable TIFF (not a TIFF file: header=b'plat')",
        "stack.tif": "shape (3, 340, 340), not a 2D image"}
    assert np.array_equal(read_image(tmp_path / "good.tif")[0], images[NAMES[0]])


def test_tifffile_logs_about_a_damaged_file(tmp_path, caplog):
    """Why the lesson raises the tifffile logger's level: its message would otherwise appear as an error."""
    source = data_dir() / "BBBC007" / "images" / NAMES[0]
    (tmp_path / "cut.tif").write_bytes(source.read_bytes()[:50_000])
    with pytest.raises(ValueError):
        tifffile.imread(tmp_path / "cut.tif")
    assert any(record.name == "tifffile" and record.levelname == "ERROR" for record in caplog.records)


# --- exercise 1 ------------------------------------------------------------------------------------------------
def test_annotated_nuclei_right(pairs):
    namespace = {"np": np, "annotations": pairs[1]}
    exec(lesson.annotated_nuclei.solution_text, namespace)
    assert namespace["annotated"] == 42
    assert lesson.annotated_nuclei.check(namespace["annotated"]).correct
    assert lesson.annotated_nuclei.check(sum(int(a.max()) for a in pairs[2].values())).correct  # relabelled


@pytest.mark.parametrize("answer, words", [
    (44, "sum of the largest ids"), (48, "background"), (50, "adds one per file"), (8, "first annotation"),
    (6, "number of files"), (43, "not the number"), ("42", "without quotes"),
])
def test_annotated_nuclei_mistakes(answer, words):
    feedback = lesson.annotated_nuclei.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


# --- exercise 2 ------------------------------------------------------------------------------------------------
def test_radius_20_score_right(pairs):
    images, _, relabelled = pairs
    namespace = {"np": np, "sparse_jaccard": sparse_jaccard, "segment": lesson.segment, "images": images,
                 "annotations": relabelled}
    exec(lesson.radius_20_score.solution_text, namespace)
    assert round(namespace["radius_20_score"], 4) == 0.7124
    assert lesson.radius_20_score.check(namespace["radius_20_score"]).correct
    assert lesson.radius_20_score.check(0.712).correct


@pytest.mark.parametrize("answer, words", [
    (0.7181, "radius 10"), (0.6892, "spot_sigma=5"), (0.6866, "as stored"), (0.762, "median"),
    (4.274, "sum"), (0.835, "first image"), (0.71, "Close"), (71.24, "percentage"), (0.75, "not the mean"),
])
def test_radius_20_score_mistakes(answer, words):
    feedback = lesson.radius_20_score.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_the_mistakes_are_what_they_say():
    assert round(lesson.mean_score(20, 5, 1), 4) == 0.6892
    assert round(lesson.mean_score(20, 3, 1, scorer="game", annotations="stored"), 4) == 0.6866
    assert round(float(np.median(lesson._scores(20, 3, 1))), 3) == 0.762
    assert round(float(np.sum(lesson._scores(20, 3, 1))), 3) == 4.274
    assert round(lesson._scores(20, 3, 1)[0], 3) == 0.835
