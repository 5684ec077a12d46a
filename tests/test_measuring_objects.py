"""Lesson 18 (measuring objects): every number the lesson states, and its exercises with right and wrong answers."""
import numpy as np
import pandas as pd
import pytest
from skimage.measure import regionprops_table

import segcourse
from segcourse.lessons import measuring_objects as lesson

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")


@pytest.fixture(scope="module")
def bbbc022():
    """The lesson's 2D pipeline, written out as the notebook writes it."""
    image = segcourse.load("bbbc022")
    nuclei = image[0]
    labels = np.asarray(nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1))
    first = pd.DataFrame(regionprops_table(labels, intensity_image=nuclei, properties=(
        "label", "area", "mean_intensity", "centroid"))).set_index("label")
    properties = ("label", "area", "mean_intensity", "perimeter", "solidity", "axis_major_length",
                  "axis_minor_length", "bbox")
    table = pd.DataFrame(regionprops_table(labels, intensity_image=np.moveaxis(image, 0, -1),
                                           properties=properties)).set_index("label")
    table["circularity"] = 4 * np.pi * table["area"] / table["perimeter"] ** 2
    rows, columns = labels.shape
    table["touches_border"] = ((table["bbox-0"] == 0) | (table["bbox-1"] == 0)
                               | (table["bbox-2"] == rows) | (table["bbox-3"] == columns))
    return dict(image=image, nuclei=nuclei, labels=labels, first=first, table=table)


@pytest.fixture(scope="module")
def nuclei_3d():
    from skimage.transform import rescale
    stack = segcourse.load("neubias_nuclei_3d")
    voxel_size = segcourse.describe("neubias_nuclei_3d").voxel_size_zyx
    cubic = rescale(stack, (voxel_size[0] / voxel_size[2], 1, 1), order=1, preserve_range=True)
    labels_3d = np.asarray(nsbatwm.voronoi_otsu_labeling(cubic, spot_sigma=3, outline_sigma=1))
    depth = stack.shape[0] * voxel_size[0] / cubic.shape[0]
    return dict(cubic=cubic, labels_3d=labels_3d, voxel_size=voxel_size,
                new_voxel=(depth, voxel_size[1], voxel_size[2]))


def test_the_module_measures_what_the_lesson_measures(bbbc022, nuclei_3d):
    labels, table = lesson.bbbc022_measurements()
    assert np.array_equal(labels, bbbc022["labels"])
    pd.testing.assert_frame_equal(table[bbbc022["table"].columns[:-2]], bbbc022["table"].iloc[:, :-2])
    labels_3d, new_voxel, voxel_size = lesson.nuclei_3d()
    assert np.array_equal(labels_3d, nuclei_3d["labels_3d"])
    assert new_voxel == nuclei_3d["new_voxel"] and voxel_size == nuclei_3d["voxel_size"]


def test_the_objects(bbbc022):
    assert bbbc022["image"].shape == (3, 395, 695)
    assert bbbc022["labels"].max() == 25 and len(np.unique(bbbc022["labels"])) == 26


def test_area_is_the_pixel_count(bbbc022):
    areas = np.bincount(bbbc022["labels"].ravel())[1:]
    assert np.array_equal(bbbc022["first"]["area"].to_numpy(), areas)
    assert list(bbbc022["first"].columns) == ["area", "mean_intensity", "centroid-0", "centroid-1"]


def test_cle_agrees_where_it_measures_the_same(bbbc022):
    cle = pytest.importorskip("pyclesperanto_prototype")
    statistics = pd.DataFrame(cle.statistics_of_labelled_pixels(bbbc022["nuclei"], bbbc022["labels"]))
    first = bbbc022["first"]
    assert np.array_equal(statistics["area"], first["area"])
    assert np.allclose(statistics["mean_intensity"], first["mean_intensity"])
    assert np.allclose(statistics["centroid_x"], first["centroid-1"])
    assert np.allclose(statistics["centroid_y"], first["centroid-0"])
    # Going further: bounding box ends differ by exactly 1; 2D images are measured as one slice of 3D
    table = bbbc022["table"]
    assert np.array_equal(statistics["bbox_max_x"] + 1, table["bbox-3"])
    assert np.array_equal(statistics["bbox_max_y"] + 1, table["bbox-2"])
    assert np.array_equal(statistics["bbox_min_x"], table["bbox-1"])
    assert (statistics["centroid_z"] == 0).all() and (statistics["bbox_depth"] == 1).all()
    assert "perimeter" not in statistics and "mean_distance_to_centroid" in statistics


def test_channels_last_measures_each_channel(bbbc022):
    table, image, labels = bbbc022["table"], bbbc022["image"], bbbc022["labels"]
    for channel in range(3):
        expected = [image[channel][labels == i].mean() for i in range(1, 26)]
        assert np.allclose(table[f"mean_intensity-{channel}"], expected)
    assert list(table.filter(like="intensity").columns) == [f"mean_intensity-{c}" for c in range(3)]


def test_border_and_plots(bbbc022):
    table = bbbc022["table"]
    assert table["touches_border"].sum() == 3
    assert table.index[table["touches_border"]].tolist() == [1, 2, 3]
    assert (table.loc[table["touches_border"], "bbox-0"] == 0).all()  # all three at the top edge
    whole = table[~table["touches_border"]]
    assert len(whole) == 22 and whole["area"].min() == 370 and whole["area"].max() == 1084
    assert ((whole["area"] >= 400) & (whole["area"] <= 800)).mean() > 0.5  # "most between 400 and 800"
    # "smaller nuclei are brighter"
    assert whole["area"].corr(whole["mean_intensity-0"], method="spearman") < -0.5


def test_shape_summary(bbbc022):
    summary = bbbc022["table"][["circularity", "solidity"]].describe().T
    assert summary.loc["circularity", "max"] < 1 and summary.loc["solidity", "max"] < 1
    assert round(summary.loc["circularity", "50%"], 2) == 0.87


def test_staircase_circularity():
    circularities = lesson.disc_circularities()
    assert {r: round(c, 2) for r, c in circularities.items()} == {3: 1.23, 5: 1.16, 10: 0.98, 40: 0.93}
    from skimage.draw import disk
    disc = np.zeros((13, 13), dtype=int)
    disc[disk((6, 6), 5)] = 1
    perimeter = regionprops_table(disc, properties=("perimeter",))["perimeter"][0]
    assert round(perimeter, 1) == 27.3 and round(2 * np.pi * 5, 1) == 31.4  # the explanation's numbers


def test_physical_units(nuclei_3d):
    assert segcourse.describe("bbbc022").voxel_size_zyx is None
    voxel_size = nuclei_3d["voxel_size"]
    assert voxel_size == (4.0, 0.8286, 0.8286)
    assert round(voxel_size[0] / voxel_size[2], 2) == 4.83
    assert round(voxel_size[1] * voxel_size[2], 3) == 0.687 and round(np.prod(voxel_size), 2) == 2.75
    assert nuclei_3d["cubic"].shape == (179, 118, 132)
    assert 37 * 4.0 == 148  # "179 slices over the same 148 µm"
    assert np.round(nuclei_3d["new_voxel"], 4).tolist() == [0.8268, 0.8286, 0.8286]
    assert nuclei_3d["labels_3d"].max() == 98


def test_volumes(nuclei_3d):
    volumes = pd.DataFrame(regionprops_table(nuclei_3d["labels_3d"], spacing=nuclei_3d["new_voxel"],
                                             properties=("label", "area")))
    median = volumes["area"].median()
    assert round(median, 1) == 686.3
    counts = np.bincount(nuclei_3d["labels_3d"].ravel())[1:]
    assert np.isclose(median, np.median(counts) * np.prod(nuclei_3d["new_voxel"]))
    assert round((6 * median / np.pi) ** (1 / 3)) == 11  # "a ball about 11 µm across"


def test_csv_round_trip(bbbc022, tmp_path):
    path = tmp_path / "bbbc022_nuclei.csv"
    bbbc022["table"].to_csv(path)
    saved = pd.read_csv(path, index_col="label")
    assert saved.shape == (25, 14)
    assert np.allclose(saved["mean_intensity-2"], bbbc022["table"]["mean_intensity-2"])


# --- exercise 1 ------------------------------------------------------------------------------------------------
def test_brightest_nucleus_right(bbbc022):
    namespace = {"table": bbbc022["table"]}
    exec(lesson.brightest_nucleus.solution_text, namespace)
    assert namespace["brightest"] == 15
    assert lesson.brightest_nucleus.check(namespace["brightest"]).correct
    assert lesson.brightest_nucleus.check(15.0).correct
    assert lesson.brightest_nucleus.check(bbbc022["table"].sort_values("mean_intensity-2").index[-1]).correct


@pytest.mark.parametrize("answer, words", [
    (14, "row position"), (18, "channel 1"), (3, "channel 0"), (24, "single pixel"), (25, "total intensity"),
    (20, "dimmest"), (917.7189189189189, "intensity itself"), (7, "not the label"), ("15", "without quotes"),
])
def test_brightest_nucleus_mistakes(answer, words):
    feedback = lesson.brightest_nucleus.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_brightest_nucleus_mistakes_are_what_they_say(bbbc022):
    table = bbbc022["table"]
    assert int(np.argmax(table["mean_intensity-2"])) == 14
    assert table["mean_intensity-1"].idxmax() == 18 and table["mean_intensity-0"].idxmax() == 3
    assert table["mean_intensity-2"].idxmin() == 20 and table["area"].idxmax() == 25


# --- exercise 2 ------------------------------------------------------------------------------------------------
def test_disc_circularity():
    namespace = {}
    exec(lesson.disc_circularity.solution_text, namespace)
    assert lesson.disc_circularity.check(namespace["prediction"]).correct
    assert lesson.disc_circularity.check(" B ").correct
    for wrong, words in [("a", "more than 1"), ("c", "large discs"), (1, "letter"), ("d", "not one of")]:
        feedback = lesson.disc_circularity.check(wrong)
        assert not feedback.correct and words in feedback.message, feedback


# --- exercise 3 ------------------------------------------------------------------------------------------------
def test_median_volume_right(nuclei_3d):
    namespace = {"pd": pd, "regionprops_table": regionprops_table, **nuclei_3d}
    exec(lesson.median_volume.solution_text, namespace)
    assert lesson.median_volume.check(namespace["median_volume"]).correct
    assert lesson.median_volume.check(686.3).correct
    assert lesson.median_volume.check(np.float32(namespace["median_volume"])).correct


@pytest.mark.parametrize("answer, words", [
    (1209.0, "in voxels"), (3320.29101456, "stored stack's voxel size"), (687.7982836661041, "perfect cubes"),
    (830.0727536400001, "an area"), (1001.7774, "a length"), (687.0933435695634, "mean volume"),
    (686, "Close"), (700, "not the median"),
])
def test_median_volume_mistakes(answer, words):
    feedback = lesson.median_volume.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_median_volume_background_mistake(nuclei_3d):
    with_background = np.median(np.bincount(nuclei_3d["labels_3d"].ravel())) * np.prod(nuclei_3d["new_voxel"])
    feedback = lesson.median_volume.check(with_background)
    assert not feedback.correct and "background" in feedback.message, feedback
