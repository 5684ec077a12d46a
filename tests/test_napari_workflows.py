"""Lesson 17, napari workflows: the numbers the lesson states (Tools menu, assistant, exported code, the mesh), both
exercises with right and wrong answers (the GUI exercise with right and wrong workflow files, one of them exported
by a real napari-assistant driven as a learner does), and the assistant helpers of segcourse.napari_tools."""
import os
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

import segcourse
from segcourse import napari_tools
from segcourse.lessons import napari_workflows as exercises

pytestmark = [
    pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning"),  # VTK names vedo 2023.4 calls
    pytest.mark.filterwarnings("ignore:viewer.grid is a deprecated attribute:DeprecationWarning"),  # the plugins'
]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "17_napari_workflows.ipynb"
BLUR = "Result of gaussian_blur (pyclesperanto_prototype)"
THRESHOLD = "Result of threshold_otsu (pyclesperanto_prototype)"
LABEL = "Result of Connected component labeling (scikit-image, nsbatwm)"


# --- the numbers ----------------------------------------------------------------------------------------------------

def test_workflow_counts_claimed_by_the_lesson():
    """gaussian_blur -> threshold_otsu (cle) -> connected_component_labeling (nsbatwm), as the assistant runs it."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle

    image = segcourse.load("blobs")
    for (sigma_x, sigma_y), count in exercises.OBJECTS_BY_SIGMA.items():
        binary = cle.threshold_otsu(cle.gaussian_blur(image, None, sigma_x, sigma_y, 0))
        assert nsbatwm.connected_component_labeling(binary).max() == count
        assert exercises.count_objects(sigma_x, sigma_y) == count
    assert exercises.count_objects(3, 3, exclude_on_edges=True) == exercises.OBJECTS_SIGMA_3_NOT_ON_EDGES == 42
    assert exercises.OBJECTS_BY_SIGMA[(1, 1)] == 62 and exercises.OBJECTS_BY_SIGMA[(3, 3)] == 59


def test_tools_menu_counts_claimed_by_the_lesson():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    image = segcourse.load("blobs")
    voronoi = nsbatwm.voronoi_otsu_labeling(image, spot_sigma=exercises.SPOT_SIGMA,
                                            outline_sigma=exercises.OUTLINE_SIGMA)
    assert voronoi.max() == 66
    inside = np.asarray(nsbatwm.remove_labels_on_edges(voronoi))
    assert inside.max() == len(np.unique(inside)) - 1 == 48  # numbered 1..48: max is the count
    binary = nsbatwm.threshold_otsu(nsbatwm.gaussian_blur(image, sigma=1))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated", category=FutureWarning)
        split = nsbatwm.split_touching_objects(binary, sigma=3.5)
    assert nsbatwm.connected_component_labeling(binary).max() == 62
    assert nsbatwm.connected_component_labeling(split).max() == 66


def test_the_mesh_of_lesson_11():
    import napari_process_points_and_surfaces as nppas
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle

    z, y, x = segcourse.voxel_size_from_file("neubias_nuclei_3d")
    isotropic = cle.pull(cle.scale(segcourse.load("neubias_nuclei_3d"), factor_z=z, factor_y=y, factor_x=x,
                                   auto_size=True))
    labels = nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=3, outline_sigma=1)
    inner = np.asarray(nsbatwm.remove_labels_on_edges(labels))
    assert (labels.max(), inner.max()) == (97, 64)
    vertices, faces = nppas.all_labels_to_surface(inner > 0)
    assert (len(vertices), len(faces)) == (37970, 75716)


# --- exercise 1: objects away from the border ---------------------------------------------------------------------

def test_objects_inside_right():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    voronoi_labels = nsbatwm.voronoi_otsu_labeling(segcourse.load("blobs"), spot_sigma=3.5, outline_sigma=1)
    namespace = {"nsbatwm": nsbatwm, "voronoi_labels": voronoi_labels}
    exec(exercises.objects_inside.solution_text, namespace)
    feedback = exercises.objects_inside.check(namespace["objects_inside"])  # a 0-d StackViewNDArray
    assert feedback.correct and "18 do" in feedback.message


@pytest.mark.parametrize("answer, words", [
    (66, "before removing"), (18, "touch the border"), (62, "Gauss-Otsu count"),
    (44, "Gauss-Otsu labels without their border"), (31, "blobs image"), (47, "not the number"),
])
def test_objects_inside_mistakes(answer, words):
    feedback = exercises.objects_inside.check(answer)
    assert not feedback.correct and words in feedback.message, feedback.message


# --- exercise 2: a workflow file ----------------------------------------------------------------------------------

def _workflow(sigma_x=3.0, sigma_y=3.0, threshold="threshold_otsu", label=True, exclude_on_edges=False):
    """A workflow as the assistant records it: the same task names and positional arguments."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle
    from napari_workflows import Workflow

    workflow = Workflow()
    if sigma_x is not None:
        workflow.set(BLUR, cle.gaussian_blur, "blobs", None, sigma_x, sigma_y, 0.0)
    source = BLUR if sigma_x is not None else "blobs"
    if threshold:
        function = getattr(cle, threshold, None) or getattr(nsbatwm, threshold)  # threshold_li: nsbatwm
        workflow.set(THRESHOLD, function, source)
        source = THRESHOLD
    if label:
        workflow.set(LABEL, nsbatwm.connected_component_labeling, source, exclude_on_edges)
    return workflow


@pytest.fixture
def folder():
    return segcourse.output_dir(exercises.OUTPUT_FOLDER)


def _save(workflow, path):
    from napari_workflows._io_yaml_v1 import save_workflow

    save_workflow(str(path), workflow)
    return path


def test_a_right_workflow_file(folder):
    path = _save(_workflow(), folder / "sigma_3.yaml")
    feedback = exercises.exported_workflow.check(path)
    assert feedback.correct and "59 objects with sigma 3, against 62" in feedback.message
    assert exercises.exported_workflow.check("sigma_3.yaml").correct  # a bare name: in the output folder
    assert exercises.exported_workflow.check(str(path)).correct


def test_not_attempted():
    assert exercises.exported_workflow.check(None).status == "not attempted"


@pytest.mark.parametrize("kwargs, words", [
    (dict(sigma_x=1.0, sigma_y=1.0), "still has sigma_x = sigma_y = 1"),
    (dict(sigma_x=3.0, sigma_y=1.0), "set sigma_y to 3 as well"),
    (dict(sigma_x=1.0, sigma_y=3.0), "set sigma_x to 3 as well"),
    (dict(sigma_x=2.0, sigma_y=2.0), "asks for 3 and 3"),
    (dict(sigma_x=None), "no Gaussian blur"),
    (dict(threshold=None), "no Binarize step"),
    (dict(threshold="threshold_li"), "uses threshold_li, not threshold_otsu"),
    (dict(label=False), "binary image"),
    (dict(exclude_on_edges=True), "exclude_on_edges is ticked"),
])
def test_wrong_workflows(folder, kwargs, words):
    path = _save(_workflow(**kwargs), folder / "sigma_3.yaml")
    feedback = exercises.exported_workflow.check(path)
    assert not feedback.correct and words in feedback.message, feedback.message


@pytest.mark.parametrize("name, content, words", [
    ("sigma_3.py", "print()", "exported code"),
    ("sigma_3.ipynb", "{}", "exported code"),
    ("sigma_3.yaml", "a: [1, 2", "cannot be read as a workflow"),
    ("sigma_3.yaml", "a: 1\n", "holds no napari workflow"),
])
def test_wrong_files(folder, name, content, words):
    (folder / name).write_text(content)
    feedback = exercises.exported_workflow.check(folder / name)
    assert not feedback.correct and words in feedback.message, feedback.message


def test_no_file_names_what_the_folder_holds(folder):
    (folder / "blobs_workflow.yaml").write_text("")
    feedback = exercises.exported_workflow.check(folder / "sigma_3.yaml")
    assert "There is no file sigma_3.yaml" in feedback.message and "blobs_workflow.yaml" in feedback.message
    assert "Export workflow to file" in feedback.message
    (folder / "sigma_3.yaml").mkdir()
    assert "is a folder" in exercises.exported_workflow.check(folder / "sigma_3.yaml").message
    assert "got 59" in exercises.exported_workflow.check(59).message


def test_an_extra_branch_does_not_hide_the_right_one(folder):
    """A learner who also ran a Tools menu entry on blobs has a second leaf in the workflow."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    workflow = _workflow()
    workflow.set("Result of voronoi_otsu_labeling", nsbatwm.voronoi_otsu_labeling, "blobs", 3.5, 1.0)
    assert exercises.exported_workflow.check(_save(workflow, folder / "sigma_3.yaml")).correct


# --- the assistant, driven as a learner does (needs a screen: Xvfb from the plugin) ---------------------------------

@pytest.fixture(scope="module")
def assistant_in_napari():
    if not os.environ.get("DISPLAY"):
        pytest.skip("no screen for napari (see tests/xvfb_plugin.py)")
    import napari
    from loguru import logger
    from napari_assistant._categories import all_operations

    warnings.filterwarnings("ignore", message="Failed to convert napari_provide_sample_data")
    viewer = napari.Viewer(show=True)
    all_operations()
    logger.disable("napari_assistant")
    viewer.add_image(segcourse.load("blobs"), name="blobs")
    _, assistant = viewer.window.add_plugin_dock_widget("napari-assistant")
    yield viewer, assistant
    from napari_workflows import WorkflowManager

    worker = WorkflowManager.install(viewer).worker
    if worker is not None:
        worker.quit()
    viewer.close()


def test_click_assistant_button_builds_the_lesson_workflow_and_the_solution_exports_it(assistant_in_napari, folder):
    viewer, assistant = assistant_in_napari
    viewer.layers.selection.active = viewer.layers["blobs"]
    for button, search in exercises.ASSISTANT_STEPS:
        napari_tools.click_assistant_button(assistant, button, search=search)
    assert [layer.name for layer in viewer.layers] == ["blobs", BLUR, THRESHOLD, LABEL]
    assert viewer.layers[-1].data.max() == 62
    path = folder / "blobs_workflow.yaml"
    assistant.to_file(str(path))
    assert "still has sigma_x = sigma_y = 1" in exercises.exported_workflow.check(path).message
    namespace = {"viewer": viewer, "assistant": assistant, "output_folder": folder}
    exec(exercises.exported_workflow.solution_text, namespace)  # the widget's fields, then Export workflow
    feedback = exercises.exported_workflow.check(namespace["exported_file"])
    assert feedback.correct, feedback.message


def test_click_assistant_button_names_a_missing_button(assistant_in_napari):
    _, assistant = assistant_in_napari
    with pytest.raises(ValueError, match="shows no button 'Binarise'"):
        napari_tools.click_assistant_button(assistant, "Binarise", search="otsu")


# --- background_updates_paused ----------------------------------------------------------------------------------

class _FakeWorker:
    def __init__(self, pauses: bool):
        self.pauses, self.is_paused = pauses, False


class _FakeManager:
    """Like napari-workflows' WorkflowManager: pause_update asks the worker to pause; it does at its next step."""

    def __init__(self, pauses: bool = True):
        self.worker, self.calls = _FakeWorker(pauses), []

    def pause_update(self):
        self.calls.append("pause")
        self.worker.is_paused = self.worker.pauses

    def resume_update(self):
        self.calls.append("resume")
        self.worker.is_paused = False


def test_background_updates_paused_runs_the_block_while_the_worker_is_paused(monkeypatch):
    import napari_workflows

    manager = _FakeManager()
    monkeypatch.setattr(napari_workflows.WorkflowManager, "install", staticmethod(lambda viewer: manager))
    with napari_tools.background_updates_paused(viewer=None):
        assert manager.worker.is_paused
        manager.calls.append("block")
    assert manager.calls == ["pause", "block", "resume"]


def test_background_updates_paused_resumes_after_an_error(monkeypatch):
    import napari_workflows

    manager = _FakeManager()
    monkeypatch.setattr(napari_workflows.WorkflowManager, "install", staticmethod(lambda viewer: manager))
    with pytest.raises(KeyError):
        with napari_tools.background_updates_paused(viewer=None):
            raise KeyError("a layer")
    assert manager.calls == ["pause", "resume"]


def test_background_updates_paused_says_when_the_worker_does_not_pause(monkeypatch):
    import napari_workflows

    manager = _FakeManager(pauses=False)
    monkeypatch.setattr(napari_workflows.WorkflowManager, "install", staticmethod(lambda viewer: manager))
    with pytest.raises(RuntimeError, match="did not pause within 0.2 s"):
        with napari_tools.background_updates_paused(viewer=None, wait=0.2):
            pass
    assert manager.calls == ["pause", "resume"]


# --- the notebook -------------------------------------------------------------------------------------------------

def test_the_notebook_uses_the_module_s_steps_and_folder():
    code = "\n".join(cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells
                     if cell.cell_type == "code")
    steps = re.search(r"steps = (\[.*?\])", code, re.S).group(1)
    assert eval(steps) == exercises.ASSISTANT_STEPS
    assert f'segcourse.output_dir("{exercises.OUTPUT_FOLDER}")' in code
    assert "_activate" not in code  # the assistant's internal click handler: the lesson clicks instead


def test_the_private_reader_is_only_in_going_further():
    """napari-workflows 0.2 has no public reader: the lesson uses _io_yaml_v1 in a Going further cell only."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and "_io_yaml_v1" in cell.source:
            assert "going-further" in cell.metadata.get("tags", [])
