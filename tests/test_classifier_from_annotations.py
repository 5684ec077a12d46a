"""Lesson 20, a classifier from sparse annotations: every number the lesson states, and both exercises with right
and wrong answers (each typical mistake's message)."""
import ast
import inspect
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import segcourse
from segcourse import metrics
from segcourse.lessons import classifier_from_annotations as exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "20_classifier_from_annotations.ipynb"


def notebook_code() -> str:
    return "\n".join("".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"]
                     if cell["cell_type"] == "code")


def notebook_text() -> str:
    return "\n".join("".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"])


@pytest.fixture(scope="module")
def field():
    return segcourse.load("bbbc039_nuclei"), segcourse.load("bbbc039_ground_truth")


@pytest.fixture(scope="module")
def trained(field):
    """The notebook's classifier (six strokes per class), its file, its labels; and the one-stroke labels."""
    import apoc
    image, _ = field
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "nuclei.cl"
    classifier = apoc.ObjectSegmenter(opencl_filename=str(path), positive_class_identifier=exercises.NUCLEUS)
    one = exercises.annotate(exercises.NUCLEUS_STROKES[:1], exercises.BACKGROUND_STROKES[:1], image.shape)
    classifier.train(features=exercises.FEATURES, ground_truth=one, image=image)
    labels_1 = np.asarray(classifier.predict(image=image))
    six = exercises.annotate(exercises.NUCLEUS_STROKES, exercises.BACKGROUND_STROKES, image.shape)
    classifier.train(features=exercises.FEATURES, ground_truth=six, image=image)
    labels = np.asarray(classifier.predict(image=image))
    yield {"classifier": classifier, "path": path, "labels_1": labels_1, "labels": labels, "one": one, "six": six,
           "text": path.read_text()}
    folder.cleanup()


def scores(truth, labels):
    tp, fp, fn = metrics.object_counts(truth, labels, threshold=0.5)
    return (f"{tp / (tp + fp):.3f}", f"{tp / (tp + fn):.3f}", f"{exercises.object_f1(truth, labels):.3f}",
            f"{metrics.jaccard_index(truth, labels):.3f}")


# --- the notebook and the module agree -----------------------------------------------------------------------------

def test_the_notebook_draws_the_modules_strokes_with_its_features():
    code = notebook_code()
    tree = ast.parse("\n".join(line for line in code.splitlines() if not line.startswith("%")))
    assigned = {node.targets[0].id: node.value for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    assert ast.literal_eval(assigned["nucleus_strokes"]) == exercises.NUCLEUS_STROKES
    assert ast.literal_eval(assigned["background_strokes"]) == exercises.BACKGROUND_STROKES
    assert ast.literal_eval(assigned["features"]) == exercises.FEATURES
    for line in ["annotation = np.zeros(shape, dtype=np.uint8)", "(NUCLEUS, nucleus_strokes)]:",
                 "annotation[line(y0, x0, y1, x1)] = value", "BACKGROUND, NUCLEUS = 1, 2"]:
        assert line in code and line in inspect.getsource(exercises), line


def test_the_classifier_files_go_to_the_output_folder():
    code = notebook_code()
    names = re.findall(r"opencl_filename=str\((\w+)[\) ]", code)
    assert code.count("opencl_filename=") == len(names) == 3 and set(names) == {"classifier_file", "output"}
    assert 'classifier_file = segcourse.output_dir("20_classifier_from_annotations") / "nuclei.cl"' in code
    assert 'output = segcourse.output_dir("20_classifier_from_annotations")' in code


# --- the annotation ---------------------------------------------------------------------------------------------

def test_strokes_lie_in_the_left_half_on_the_right_class(field):
    image, truth = field
    annotation = exercises.annotate(exercises.NUCLEUS_STROKES, exercises.BACKGROUND_STROKES, image.shape)
    assert list(np.bincount(annotation.ravel())[1:]) == [126, 113]      # printed: (background, nucleus)
    assert (truth[annotation == exercises.NUCLEUS] > 0).all()
    assert (truth[annotation == exercises.BACKGROUND] == 0).all()
    assert not annotation[:, exercises.HALF:].any() and image.shape[1] == 2 * exercises.HALF
    one = exercises.annotate(exercises.NUCLEUS_STROKES[:1], exercises.BACKGROUND_STROKES[:1], image.shape)
    assert np.count_nonzero(one) == 35                                   # "all 35 pixels it was trained on"
    # each nucleus stroke lies on one nucleus
    for stroke in exercises.NUCLEUS_STROKES:
        single = exercises.annotate([stroke], [], image.shape)
        assert len(np.unique(truth[single > 0])) == 1


def test_the_first_stroke_crosses_one_of_the_brightest_nuclei_of_the_left_half(field):
    from skimage.measure import regionprops
    image, truth = field
    left = [p for p in regionprops(truth, intensity_image=image) if p.centroid[1] < exercises.HALF]
    brightness = sorted((p.intensity_mean for p in left), reverse=True)
    first = exercises.annotate(exercises.NUCLEUS_STROKES[:1], [], image.shape)
    nucleus = int(np.unique(truth[first > 0])[0])
    assert image[truth == nucleus].mean() >= brightness[1]               # first or second brightest of 60
    others = [int(np.unique(truth[exercises.annotate([s], [], image.shape) > 0])[0])
              for s in exercises.NUCLEUS_STROKES[1:]]
    assert all(image[truth == i].mean() < image[truth == nucleus].mean() for i in others)   # "dimmer ones"


def test_the_image():
    image = segcourse.load("bbbc039_nuclei")
    assert (image.shape, str(image.dtype), int(image.min()), int(image.max())) == ((520, 696), "uint16", 120, 4095)
    assert segcourse.load("bbbc039_ground_truth").max() == 110


# --- features -------------------------------------------------------------------------------------------------------

def test_one_number_per_feature(field):
    import apoc
    image, _ = field
    assert len(apoc.generate_feature_stack(image, "gaussian_blur=1 gaussian_blur=5")) == 2
    with pytest.raises(ValueError):
        apoc.generate_feature_stack(image, "gaussian_blur=1,5")


def test_the_edge_strength_marks_outlines(field):
    """The figure's claim: sobel_of_gaussian_blur is bright on outlines, dark inside nuclei and in the background."""
    import apoc
    import pyclesperanto_prototype as cle
    from skimage.segmentation import find_boundaries
    image, truth = field
    edges = cle.pull(apoc.generate_feature_stack(image, exercises.FEATURES)[2])
    outline = find_boundaries(truth, mode="inner")
    inside = (truth > 0) & ~find_boundaries(truth, mode="thick")
    assert edges[outline].mean() > 2 * edges[inside].mean() > 2 * edges[truth == 0].mean()


# --- training and prediction ----------------------------------------------------------------------------------------

def test_object_counts(trained):
    assert (trained["labels_1"].max(), trained["labels"].max()) == (158, 99)


def test_both_classifiers_are_right_on_all_their_training_pixels(trained, field):
    """'both classifiers above were right on 100 % of theirs'."""
    import apoc
    image, _ = field
    for annotation, labels in [(trained["one"], trained["labels_1"]), (trained["six"], trained["labels"])]:
        annotated = annotation > 0
        assert np.array_equal(labels[annotated] > 0, annotation[annotated] == exercises.NUCLEUS)


def test_scores_on_the_dense_ground_truth(trained, field):
    image, truth = field
    assert scores(truth, trained["labels"]) == ("0.848", "0.764", "0.804", "0.929")
    voronoi = exercises._voronoi_otsu()
    assert scores(truth, voronoi) == ("0.948", "0.836", "0.889", "0.888")
    assert f"{exercises.object_f1(truth, trained['labels_1']):.2f}" == "0.33"


def test_the_curve(field):
    _, truth = field
    curve = [round(exercises.object_f1(truth, exercises._labels(count)), 3) for count in (1, 2, 3, 4, 6)]
    assert curve == [0.328, 0.772, 0.76, 0.8, 0.804]


def test_merged_nuclei_remain(trained, field):
    """'What remains are touching nuclei that share one outline': objects covering most of two or more nuclei."""
    _, truth = field
    labels = trained["labels"]
    merged = 0
    for j in range(1, labels.max() + 1):
        covered = np.bincount(truth[labels == j], minlength=truth.max() + 1)[1:]
        merged += np.sum(covered > 0.5 * np.bincount(truth.ravel(), minlength=truth.max() + 1)[1:]) >= 2
    assert merged >= 10


def test_what_the_forest_learned(trained):
    text = trained["text"]
    header = text.split("*/")[0]
    assert "feature_specification = original gaussian_blur=1 sobel_of_gaussian_blur=1" in header
    assert "max_depth = 2" in header and "num_trees = 100" in header and "positive_class_identifier = 2" in header
    first_tree = ("if(i2<43.68696594238281){\n if(i0<377.0){\n  s0+=1.0;\n } else {\n  s1+=1.0;\n }\n} else {\n"
                  " s1+=1.0;\n}")
    assert text.split("float s1=0;\n")[1].startswith(first_tree)
    importances = trained["classifier"].feature_importances()
    assert [f"{importances[name]:.2f}" for name in ("gaussian_blur=1", "original", "sobel_of_gaussian_blur=1")] == [
        "0.43", "0.30", "0.27"]
    # "brighter than 330?": the forest's thresholds on the grey value and the blur lie around 330
    thresholds = [float(v) for v in re.findall(r"if\(i[01]<([0-9.]+)\)", text)]
    assert 300 < np.median(thresholds) < 360


def test_the_forest_is_seeded():
    import apoc
    assert "RandomForestClassifier(max_depth=self.max_depth, n_estimators=self.num_ensembles, random_state=0)" in \
        inspect.getsource(apoc.PixelClassifier.train)


def test_the_saved_classifier_predicts_the_same(trained, field):
    import apoc
    image, _ = field
    reloaded = apoc.ObjectSegmenter(opencl_filename=str(trained["path"]))
    assert np.array_equal(np.asarray(reloaded.predict(image=image)), trained["labels"])


# --- other images -------------------------------------------------------------------------------------------------

def test_another_microscope(trained):
    other = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    assert (int(other.min()), int(other.max())) == (1, 255)
    assert np.asarray(trained["classifier"].predict(image=other)).max() == 0


def test_scaled_images(trained, field):
    import apoc
    image, _ = field

    def normalize(picture):
        low, high = np.percentile(picture, [1, 99.8])
        return (picture - low) / (high - low)

    other = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    annotation = segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")
    with tempfile.TemporaryDirectory() as folder:
        scaled = apoc.ObjectSegmenter(opencl_filename=str(Path(folder) / "s.cl"), positive_class_identifier=2)
        scaled.train(features=exercises.FEATURES, ground_truth=trained["six"], image=normalize(image))
        result = np.asarray(scaled.predict(image=normalize(other)))
    assert f"{metrics.sparse_jaccard(annotation, result):.3f}" == "0.354"
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    voronoi = nsbatwm.voronoi_otsu_labeling(other, spot_sigma=5, outline_sigma=1)
    assert f"{metrics.sparse_jaccard(annotation, np.asarray(voronoi)):.3f}" == "0.830"


def test_the_text_states_the_numbers():
    text = notebook_text()
    for number in ["110 nuclei", "35 pixels", "0.764", "0.836", "0.929", "0.888", "0.33", "0.80", "0.89",
                   "F1 0.80 from 12 strokes"]:
        assert number in text, number


# --- exercise 1 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, verdict, words", [
    ("b", True, "bright"), (" B ", True, "bright"), ("(b)", True, "bright"),
    ("a", False, "35 training pixels says little"), ("c", False, "does not remember where the stroke was"),
    ("d", False, "not one of the options"), (2, False, "as text"),
])
def test_one_stroke_prediction(answer, verdict, words):
    feedback = exercises.one_stroke_prediction.check(answer)
    assert feedback.correct is verdict and words in feedback.message, feedback


def test_one_stroke_solution_is_right():
    namespace = {}
    exec(exercises.one_stroke_prediction.solution_text, namespace)
    assert exercises.one_stroke_prediction.check(namespace["prediction"]).correct


def test_the_prediction_holds(trained, field):
    """Option b: dim nuclei are missed or in pieces; the bright ones are found."""
    from skimage.measure import regionprops
    image, truth = field
    matched = {reference for reference, _, _ in metrics.match_objects(truth, trained["labels_1"])}
    props = regionprops(truth, intensity_image=image)
    found = [p.intensity_mean for p in props if p.label in matched]
    missed = [p.intensity_mean for p in props if p.label not in matched]
    assert np.median(found) > np.median(missed) + 100
    assert len(missed) > len(found)


# --- exercise 2 ---------------------------------------------------------------------------------------------------

def test_unseen_half_value(field):
    _, truth = field
    value = exercises.unseen_half_f1.value()
    assert f"{value:.3f}" == "0.857"
    assert value >= exercises.object_f1(truth, exercises._labels(6))      # "as well as the whole field"


def test_unseen_half_right_in_every_form():
    value = exercises.unseen_half_f1.value()
    for answer in [value, round(value, 2), round(value, 3), np.float32(value), np.array(value)]:
        assert exercises.unseen_half_f1.check(answer).correct, answer


def mistake_value(index):
    mistake = exercises.unseen_half_f1.mistakes[index][0]
    return mistake() if callable(mistake) else mistake


@pytest.mark.parametrize("index, words", [
    (0, "whole field"), (0, "takes the top rows"), (1, "left half"), (2, "rows 348 and beyond"),
    (3, "precision"), (4, "recall"), (5, "pixel-wise Dice"), (6, "one-stroke classifier"), (7, "Voronoi-Otsu"),
])
def test_unseen_half_mistakes(index, words):
    value = mistake_value(index)
    assert abs(value - exercises.unseen_half_f1.value()) > 0.005, (index, value)   # distinguishable
    feedback = exercises.unseen_half_f1.check(value)
    assert not feedback.correct and words in feedback.message, (value, feedback)
    # a learner rounds to 2 decimals: the message still names the mistake (unless two mistakes round alike)
    rounded = exercises.unseen_half_f1.check(round(value, 2))
    assert not rounded.correct


def test_the_top_rows_score_like_the_whole_field(field):
    """Cropping [:348] (rows) gives 0.803, within rounding of the whole field's 0.804: one message names both."""
    _, truth = field
    top = exercises.object_f1(truth[:exercises.HALF], exercises._labels(6)[:exercises.HALF])
    assert f"{top:.3f}" == "0.803"
    assert "takes the top rows" in exercises.unseen_half_f1.check(top).message


def test_unseen_half_mistake_values_are_apart():
    values = [round(mistake_value(i), 3) for i in range(len(exercises.unseen_half_f1.mistakes))]
    assert len(set(values)) == len(values), values


@pytest.mark.parametrize("answer, words", [
    (85.7, "percentage"), (0.5, "not the object F1 score"), ("0.857", "without quotes"), (None, "replace"),
])
def test_unseen_half_other_answers(answer, words):
    feedback = exercises.unseen_half_f1.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_unseen_half_solution_runs(field):
    _, truth = field
    namespace = {"object_f1": exercises.object_f1, "ground_truth": truth, "labels": exercises._labels(6)}
    exec(exercises.unseen_half_f1.solution_text, namespace)
    assert exercises.unseen_half_f1.check(namespace["unseen_f1"]).correct


def test_the_notebook_defines_what_the_exercise_uses():
    code = notebook_code()
    for name in ("object_f1", "ground_truth", "labels", "labels_1", "labels_voronoi"):
        assert re.search(rf"^(def )?{name}\b", code, re.MULTILINE), name
