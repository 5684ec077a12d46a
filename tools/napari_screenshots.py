"""Regenerate the napari screenshots of lesson 10 in book/images/napari/ (run by `make screenshots`).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python tools/napari_screenshots.py

The script drives napari the way a learner does with the mouse (new labels layer, brush, Tools menu, the
napari-assistant's buttons) and takes each picture with Qt: `QScreen.grabWindow(0)` grabs the whole (virtual)
screen, so open menus, which are separate pop-up windows, are in the picture; napari's own `viewer.screenshot`
never shows them. Each picture is cropped, scaled down and saved as a palette PNG below MAX_BYTES.

It needs a screen with OpenGL: a desktop session, or Xvfb with Mesa's software renderer as above
(QT_QPA_PLATFORM=offscreen does not draw napari's canvas).
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "book" / "images" / "napari"
WINDOW = (1800, 1000)  # the assistant docks one widget per step on the right: it needs room
MAX_BYTES = 150_000
COLOURS = 256  # palette PNG: a third of the size of RGB, no visible loss on napari's flat UI

# The lesson's steps (notebooks/10_napari.ipynb does the same from code).
BRUSH_SIZE = 10
BRUSH_DABS = [(78, 60), (78, 68), (84, 56), (84, 64), (84, 72), (90, 60), (90, 68)]  # (row, column): label 1
POLYGON = [(122, 102), (115, 92), (106, 92), (102, 99), (102, 107), (109, 114), (117, 114)]  # label 2
ASSISTANT_STEPS = [("Remove noise", "gaussian_blur"), ("Binarize", "threshold_otsu"),
                   ("Label", "connected component")]  # (button, text typed into the search field)

# file name -> what it shows (the notebook's alt text says the same in more words)
SCREENSHOTS = {
    "window.png": "the napari window: layer controls, layer list, canvas with the blobs and two painted labels",
    "labels_controls.png": "the controls of a labels layer and the layer list with its 'new labels layer' button",
    "tools_labeling.png": "Tools > Segmentation / labeling, with Voronoi-Otsu-labeling highlighted",
    "tools_postprocessing.png": "Tools > Segmentation post-processing, with Split touching objects highlighted",
    "tools_surfaces.png": "Tools > Surfaces, with Create surface from all labels highlighted",
    "tools_voronoi_otsu.png": "the Voronoi-Otsu-labeling widget docked on the right, its result on the canvas",
    "tools_assistant.png": "Tools > Utilities > Assistant (na)",
    "assistant.png": "the napari-assistant's buttons, docked on the right",
    "assistant_workflow.png": "a three-step workflow built with the assistant: blur, threshold, label",
    "assistant_generate_code.png": "the assistant's 'Generate code...' menu with 'Export Jupyter Notebook'",
}


def check_screen() -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        sys.exit("No screen (DISPLAY is unset). Run: make screenshots   (it uses xvfb-run), or\n"
                 "  xvfb-run -a -s '-screen 0 1920x1080x24' .venv/bin/python tools/napari_screenshots.py")


class Shooter:
    def __init__(self, output: Path):
        # Plugins add their Tools menu entries when imported: import them before the viewer exists
        # (napari imports npe1 plugins only on its first start, while it caches their manifests).
        import napari_segment_blobs_and_things_with_membranes  # noqa: F401  (nsbatwm)
        import napari_process_points_and_surfaces  # noqa: F401  (nppas: Tools > Surfaces)
        import napari_assistant._napari_plugin  # noqa: F401  (Tools > Utilities > Assistant)
        import napari
        from loguru import logger
        from qtpy.QtWidgets import QApplication

        logger.disable("napari_assistant")  # it logs every operation it runs
        self.output = output
        self.output.mkdir(parents=True, exist_ok=True)
        self.viewer = napari.Viewer(title="napari")
        self.window = self.viewer.window._qt_window
        self.window.move(0, 0)
        self.viewer.window.resize(*WINDOW)
        self.app = QApplication.instance()
        from qtpy.QtGui import QCursor
        QCursor.setPos(WINDOW[0] + 50, WINDOW[1] + 50)  # the mouse pointer out of the pictures
        self.settle(1.0)

    def settle(self, seconds: float = 0.4) -> None:
        """Let Qt draw (menus open, widgets resize) before a picture is taken."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    # --- pictures -------------------------------------------------------------------------------------------
    def grab(self, name: str, box: tuple[int, int, int, int] | None = None, width: int = 1100) -> Path:
        """Grab the screen, crop to box (x0, y0, x1, y1; default: the napari window), scale to <= width px."""
        from PIL import Image
        from qtpy.QtCore import QBuffer, QIODevice

        assert name in SCREENSHOTS, name
        self.settle()
        pixmap = self.app.primaryScreen().grabWindow(0)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buffer, "PNG")
        image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
        if box is None:
            geometry = self.window.frameGeometry()
            box = (geometry.left(), geometry.top(), geometry.right() + 1, geometry.bottom() + 1)
        image = image.crop(box)
        path = self.output / name
        scale = min(1.0, width / image.width)
        while True:
            size = (round(image.width * scale), round(image.height * scale))
            small = image.resize(size, Image.LANCZOS) if scale < 1 else image
            small = small.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            small.save(path, optimize=True)
            if path.stat().st_size <= MAX_BYTES or scale < 0.3:
                break
            scale *= 0.85
        print(f"{path}: {small.width}x{small.height}, {path.stat().st_size // 1024} KB")
        return path

    def rect(self, widget) -> tuple[int, int, int, int]:
        """A widget's rectangle on the screen."""
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return top_left.x(), top_left.y(), top_left.x() + widget.width(), top_left.y() + widget.height()

    @staticmethod
    def union(*boxes, margin: int = 0) -> tuple[int, int, int, int]:
        return (max(min(b[0] for b in boxes) - margin, 0), max(min(b[1] for b in boxes) - margin, 0),
                max(b[2] for b in boxes) + margin, max(b[3] for b in boxes) + margin)

    # --- menus ----------------------------------------------------------------------------------------------
    def open_menu(self, path: list[str]):
        """Open a menu path like the mouse does, e.g. ["Tools", "Surfaces", "Create surface ..."]; returns the
        open menus (the last entry is highlighted, not triggered)."""
        menubar = self.window.menuBar()
        action = next(a for a in menubar.actions() if a.text().replace("&", "") == path[0])
        menubar.setActiveAction(action)
        self.settle()
        menus = [action.menu()]
        for text in path[1:]:
            menu = menus[-1]
            action = next(a for a in menu.actions() if a.text().startswith(text))
            menu.setActiveAction(action)
            self.settle()
            if action.menu() is not None:
                if not action.menu().isVisible():  # not opened on hover yet: the right arrow key opens it
                    from qtpy.QtCore import Qt
                    from qtpy.QtTest import QTest
                    QTest.keyClick(menu, Qt.Key.Key_Right)
                    self.settle()
                    menu.setActiveAction(action)  # (the key also highlights the submenu's first entry)
                    self.settle()
                menus.append(action.menu())
        return menus, action

    def close_menus(self, menus) -> None:
        for menu in reversed(menus):
            menu.hide()
        self.window.menuBar().setActiveAction(None)
        self.settle()

    def menu_picture(self, name: str, path: list[str]):
        menus, action = self.open_menu(path)
        menubar = self.window.menuBar()
        box = self.union(self.rect(menubar), *(self.rect(m) for m in menus), margin=8)
        box = (0, 0, box[2], box[3] + 40)  # from the window's corner: the menu bar shows where "Tools" is
        self.grab(name, box=box, width=1000)
        return menus, action

    # --- the lesson's steps ---------------------------------------------------------------------------------
    def run(self) -> list[Path]:
        import segcourse

        viewer = self.viewer
        image = segcourse.load("blobs")
        viewer.add_image(image, name="blobs")
        viewer.reset_view()

        # Manual annotation: the 'new labels layer' button, the brush (P), label 1, '+' (or M), label 2.
        # (The same brush dabs and polygon as in the notebook.)
        viewer.window._qt_viewer.layerButtons.newLabelsButton.click()
        labels = viewer.layers[-1]
        labels.mode = "paint"
        labels.brush_size = BRUSH_SIZE
        labels.selected_label = 1
        for position in BRUSH_DABS:
            labels.paint(position, 1)
        labels.selected_label = 2
        labels.paint_polygon(POLYGON, 2)
        labels.selected_label = 3
        self.settle(0.5)
        self.grab("window.png")
        controls = viewer.window._qt_viewer.dockLayerControls
        layer_list = viewer.window._qt_viewer.dockLayerList
        box = self.union(self.rect(controls), self.rect(layer_list))
        self.grab("labels_controls.png", box=(box[0], box[1], box[2], self.rect(layer_list)[1] + 140), width=600)

        # The Tools menu.
        viewer.layers.selection.active = viewer.layers["blobs"]
        menus, _ = self.menu_picture("tools_labeling.png", ["Tools", "Segmentation / labeling", "Voronoi-Otsu"])
        self.close_menus(menus)
        menus, _ = self.menu_picture("tools_postprocessing.png",
                                     ["Tools", "Segmentation post-processing", "Split touching objects"])
        self.close_menus(menus)
        menus, _ = self.menu_picture("tools_surfaces.png", ["Tools", "Surfaces", "Create surface from all labels"])
        self.close_menus(menus)

        # Run Voronoi-Otsu-labeling from the menu: it docks a widget; set spot sigma, press Run.
        menus, action = self.open_menu(["Tools", "Segmentation / labeling", "Voronoi-Otsu"])
        self.close_menus(menus)
        action.trigger()
        self.settle()
        self.press_run_and_set({"spot_sigma": 3.5, "outline_sigma": 1.0})
        labels.visible = False
        self.grab("tools_voronoi_otsu.png")

        # A fresh viewer state for the assistant: only the image.
        for layer in list(viewer.layers):
            if layer.name != "blobs":
                viewer.layers.remove(layer)
        for name in list(viewer.window._dock_widgets):
            if name not in ("layer controls", "layer list"):
                viewer.window.remove_dock_widget(viewer.window._dock_widgets[name])
        viewer.layers.selection.active = viewer.layers["blobs"]
        self.settle()
        menus, action = self.menu_picture("tools_assistant.png", ["Tools", "Utilities", "Assistant (na)"])
        self.close_menus(menus)
        _, assistant = viewer.window.add_plugin_dock_widget("napari-assistant")
        viewer.layers.selection.active = viewer.layers["blobs"]
        self.settle(1.0)
        self.grab("assistant.png", box=self.assistant_box(assistant), width=500)

        for category, search in ASSISTANT_STEPS:
            assistant.seach_field.setText(search)  # type into the search field ...
            item = assistant.icon_grid.item_mapping[category]
            assistant.icon_grid.itemClicked.emit(item)  # ... and click the category's button
            self.settle(0.5)
        assistant.seach_field.setText("")
        # Grid mode (the button bottom left) shows every step side by side; selecting all layers (shift-click in
        # the layer list) shows every step's widget in the dock.
        viewer.grid.enabled = True
        viewer.layers.selection.update(set(viewer.layers))
        viewer.reset_view()
        self.settle(1.0)
        self.grab("assistant_workflow.png")
        viewer.grid.enabled = False
        viewer.layers.selection.active = viewer.layers[-1]
        self.settle()

        # 'Generate code...' opens a menu at the mouse pointer: put the pointer on that button first.
        from qtpy.QtCore import QPoint
        from qtpy.QtGui import QCursor
        item = assistant.icon_grid.item_mapping["Generate code..."]
        grid = assistant.icon_grid
        centre = grid.visualItemRect(item).center()
        QCursor.setPos(grid.viewport().mapToGlobal(centre + QPoint(10, 10)))
        assistant.icon_grid.itemClicked.emit(item)
        self.settle()
        from qtpy.QtWidgets import QMenu
        menu = next(m for m in assistant.findChildren(QMenu) if m.isVisible())
        menu.setActiveAction(next(a for a in menu.actions() if a.text() == "Export Jupyter Notebook"))
        box = self.union(self.assistant_box(assistant), self.rect(menu), margin=6)
        self.grab("assistant_generate_code.png", box=box, width=500)
        menu.hide()
        return sorted(self.output.glob("*.png"))

    def assistant_box(self, assistant) -> tuple[int, int, int, int]:
        """The assistant's dock widget (with its title), down to the last row of buttons."""
        dock = assistant.parentWidget()
        while dock is not None and not dock.inherits("QDockWidget"):
            dock = dock.parentWidget()
        grid = assistant.icon_grid
        bottom = max(grid.viewport().mapToGlobal(grid.visualItemRect(grid.item(i)).bottomLeft()).y()
                     for i in range(grid.count()))
        x0, y0, x1, _ = self.rect(dock if dock is not None else assistant)
        return x0, y0, x1, bottom + 12

    def press_run_and_set(self, values: dict) -> None:
        """Set a docked magicgui's fields by name and press its Run button (as a learner does)."""
        from magicgui.widgets import FunctionGui
        from qtpy.QtWidgets import QPushButton

        gui = None
        for widget in self.app.allWidgets():
            container = getattr(widget, "_magic_widget", None)
            if isinstance(container, FunctionGui) and widget.isVisible() and all(
                    hasattr(container, key) for key in values):
                gui = container
        assert gui is not None, "no docked widget with fields " + ", ".join(values)
        for key, value in values.items():
            getattr(gui, key).value = value
        run = next(b for b in gui.native.findChildren(QPushButton) if b.text() == "Run")
        run.click()
        self.settle(1.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder for the PNG files")
    args = parser.parse_args(argv)
    check_screen()
    # npe2 cannot convert one sample-data entry of napari-process-points-and-surfaces; harmless here.
    warnings.filterwarnings("ignore", message="Failed to convert napari_provide_sample_data", category=UserWarning)
    shooter = Shooter(args.output)
    written = shooter.run()
    missing = sorted(set(SCREENSHOTS) - {p.name for p in written})
    extra = sorted({p.name for p in written} - set(SCREENSHOTS))
    if missing or extra:
        print("missing:", missing, "unexpected:", extra)
        return 1
    from napari_workflows import WorkflowManager
    worker = WorkflowManager.install(shooter.viewer).worker  # the assistant's background recompute loop
    if worker is not None:
        worker.quit()
        shooter.settle(0.5)
    shooter.viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
