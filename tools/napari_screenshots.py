"""Redraw the napari pictures of lessons 16 and 17 in book/images/napari/ (run by `python course.py screenshots`).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python tools/napari_screenshots.py

The script drives napari as a learner does with the mouse (the new-labels-layer button, the brush, the File and
Tools menus, the napari-assistant's buttons) and takes each picture with Qt: `QScreen.grabWindow(0)` grabs the whole
(virtual) screen, so open menus, which are separate pop-up windows, are in the picture; napari's own
`viewer.screenshot` never shows them.

Each picture is cropped to the part a step talks about and kept at its size on the screen (1:1), at most
MAX_WIDTH pixels wide, so that menu text is as readable in the book's column (about 700 pixels) as in napari. What
a step asks the learner to click is framed in orange with the step's number, the number of the step in the
lesson's text. Pictures are saved as palette PNGs.

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
MAX_WIDTH = int(os.environ.get("SHOTS_MAX_WIDTH", 700))  # the book's column: a wider picture would be scaled down and its text shrink
MAX_BYTES = 150_000
COLOURS = 256  # palette PNG: a third of the size of RGB, no visible loss on napari's flat UI
MARK = (230, 159, 0)  # Okabe-Ito orange: the frame and the badge of what to click
FONT = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"

# file name -> (lesson, what it shows); the lessons' alt text says the same in more words.
SCREENSHOTS = {
    # 16 napari annotation
    "labels_new_layer.png": ("16", "step 1: the layer list and its 'New labels layer' button"),
    "labels_brush.png": ("16", "step 2: the brush, the label number and the brush size of a labels layer"),
    "labels_polygon.png": ("16", "step 3: the + next to the label number, and the polygon tool"),
    "labels_fix.png": ("16", "step 4: the eraser and the fill bucket"),
    "file_save.png": ("16", "step 5: File > Save Selected Layers..."),
    "view_buttons.png": ("16", "3D steps 1 and 2: the buttons for 2D/3D and for grid mode"),
    "labels_show_selected.png": ("16", "3D step 4: the picker and 'show selected'"),
    # 17 napari workflows
    "tools_labeling.png": ("17", "Tools > Segmentation / labeling > Voronoi-Otsu-labeling"),
    "tools_voronoi_otsu.png": ("17", "the Voronoi-Otsu-labeling widget: its sigmas and Run"),
    "tools_postprocessing.png": ("17", "Tools > Segmentation post-processing > Remove labeled objects ..."),
    "tools_assistant.png": ("17", "Tools > Utilities > Assistant (na)"),
    "assistant_remove_noise.png": ("17", "the assistant: search field with gaussian_blur, the Remove noise button"),
    "assistant_workflow.png": ("17", "the widgets of a three-step workflow: blur, threshold, label"),
    "assistant_save_workflow.png": ("17", "Save and load workflows > Export workflow to file"),
    "assistant_generate_code.png": ("17", "Generate code... > Export Jupyter Notebook"),
    "tools_surfaces.png": ("17", "Tools > Surfaces > Create surface from all labels"),
}


def check_screen() -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        sys.exit("No screen (DISPLAY is unset). Run: python course.py screenshots   (it uses xvfb-run), or\n"
                 "  xvfb-run -a -s '-screen 0 1920x1080x24' .venv/bin/python tools/napari_screenshots.py")


def draw_marks(image, marks, origin):
    """Frame each (box, number) of `marks` in orange with a round badge holding the number on its top-left corner
    ((box, number, "right"): on its top-right corner); boxes are in screen coordinates, `origin` is the crop's
    top-left corner on the screen."""
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 15)
    for (x0, y0, x1, y1), number, *side in marks:
        x0, y0 = max(x0 - origin[0] - 3, 1), max(y0 - origin[1] - 3, 1)
        x1, y1 = min(x1 - origin[0] + 2, image.width - 2), min(y1 - origin[1] + 2, image.height - 2)
        draw.rounded_rectangle((x0, y0, x1, y1), radius=4, outline=MARK, width=3)
        radius = 11
        cx = max(x0 - radius + 4, radius)  # the badge sits on the frame's corner, inside the picture
        if side == ["right"]:
            cx = min(x1 + radius - 4, image.width - radius - 1)
        cy = max(y0 - radius + 4, radius)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=MARK, outline=(0, 0, 0), width=1)
        draw.text((cx, cy), str(number), fill=(0, 0, 0), font=font, anchor="mm")
    return image


class Shooter:
    def __init__(self, output: Path):
        # Plugins add their Tools menu entries when imported: import them before the viewer exists.
        import napari_segment_blobs_and_things_with_membranes  # noqa: F401  (nsbatwm)
        import napari_process_points_and_surfaces  # noqa: F401  (nppas: Tools > Surfaces)
        import napari_assistant._napari_plugin  # noqa: F401  (Tools > Utilities > Assistant)
        import napari
        from loguru import logger
        from qtpy.QtGui import QCursor
        from qtpy.QtWidgets import QApplication

        logger.disable("napari_assistant")  # it logs every operation it runs
        self.output = output
        self.output.mkdir(parents=True, exist_ok=True)
        self.viewer = napari.Viewer(title="napari")
        self.qt_viewer = self.viewer.window._qt_viewer
        self.window = self.viewer.window._qt_window
        self.window.move(0, 0)
        self.viewer.window.resize(*WINDOW)
        self.app = QApplication.instance()
        QCursor.setPos(WINDOW[0] + 50, WINDOW[1] + 50)  # the mouse pointer out of the pictures
        self.written: list[Path] = []
        self.settle(1.0)

    def settle(self, seconds: float = 0.4) -> None:
        """Let Qt draw (menus open, widgets resize) before a picture is taken."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    # --- pictures -------------------------------------------------------------------------------------------
    def grab(self, name: str, box: tuple[int, int, int, int], marks=()) -> Path:
        """Grab the screen, crop to box (x0, y0, x1, y1 on the screen), frame the marks, save at 1:1."""
        from PIL import Image
        from qtpy.QtCore import QBuffer, QIODevice

        assert name in SCREENSHOTS, name
        self.settle()
        pixmap = self.app.primaryScreen().grabWindow(0)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buffer, "PNG")
        screen = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
        box = tuple(int(v) for v in (max(box[0], 0), max(box[1], 0), min(box[2], screen.width),
                                     min(box[3], screen.height)))
        if box[2] - box[0] > MAX_WIDTH:
            raise ValueError(f"{name}: the crop is {box[2] - box[0]} pixels wide; at most {MAX_WIDTH} keep its "
                             "text readable in the book")
        image = draw_marks(screen.crop(box), marks, box[:2])
        image = image.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        path = self.output / name
        image.save(path, optimize=True)
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"{name}: {path.stat().st_size} bytes, more than {MAX_BYTES}")
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {image.width}x{image.height}, "
              f"{path.stat().st_size // 1024} KB")
        self.written.append(path)
        return path

    @staticmethod
    def rect(widget) -> tuple[int, int, int, int]:
        """A widget's rectangle on the screen."""
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        return top_left.x(), top_left.y(), top_left.x() + widget.width(), top_left.y() + widget.height()

    @staticmethod
    def union(*boxes, margin: int = 0) -> tuple[int, int, int, int]:
        return (max(min(b[0] for b in boxes) - margin, 0), max(min(b[1] for b in boxes) - margin, 0),
                max(b[2] for b in boxes) + margin, max(b[3] for b in boxes) + margin)

    def control(self, layer, tooltip: str):
        """A button or box of a layer's controls, found by the start of its tooltip."""
        from qtpy.QtWidgets import QWidget

        controls = self.qt_viewer.controls.widgets[layer]
        return next(w for w in controls.findChildren(QWidget) if w.isVisible() and w.toolTip().startswith(tooltip))

    def row(self, layer, label: str, kind: str = "") -> tuple[int, int, int, int]:
        """The box of what stands right of the text `label` ("brush size:") in a layer's controls; with `kind`,
        only widgets of that class ("QLargeIntSpinBox")."""
        from qtpy.QtWidgets import QLabel, QWidget

        controls = self.qt_viewer.controls.widgets[layer]
        widgets = [w for w in controls.findChildren(QWidget) if w.isVisible()]
        text = next(w for w in widgets if isinstance(w, QLabel) and w.text().replace("\n", " ") == label)
        left, top, right, bottom = self.rect(text)
        middle = (top + bottom) / 2
        found = [self.rect(w) for w in widgets if not isinstance(w, QLabel) and self.rect(w)[0] >= right
                 and self.rect(w)[1] <= middle <= self.rect(w)[3] and (not kind or type(w).__name__ == kind)]
        return self.union(*found)

    # --- menus ----------------------------------------------------------------------------------------------
    def open_menu(self, path: list[str], menubar=None):
        """Open a menu path like the mouse does, e.g. ["Tools", "Surfaces", "Create surface ..."]; returns the
        open menus and the last entry (highlighted, not triggered)."""
        from qtpy.QtCore import Qt
        from qtpy.QtTest import QTest

        menubar = menubar or self.window.menuBar()
        action = next(a for a in menubar.actions() if a.text().replace("&", "") == path[0])
        menubar.setActiveAction(action)
        self.settle()
        menus = [action.menu()]
        for text in path[1:]:
            menu = menus[-1]
            action = next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))
            menu.setActiveAction(action)
            self.settle()
            if action.menu() is not None:
                if not action.menu().isVisible():  # not opened on hover yet: the right arrow key opens it
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

    def menu_picture(self, name: str, path: list[str], number: int | None = None):
        """A picture of an open menu path, from the menu's title in the menu bar to the last submenu; the
        highlighted entry framed with `number`."""
        menus, action = self.open_menu(path)
        menubar = self.window.menuBar()
        title = next(a for a in menubar.actions() if a.text().replace("&", "") == path[0])
        geometry = menubar.actionGeometry(title)
        corner = menubar.mapToGlobal(geometry.topLeft())
        title_box = (corner.x(), corner.y(), corner.x() + geometry.width(), corner.y() + geometry.height())
        box = self.union(title_box, *(self.rect(m) for m in menus), margin=6)
        # A long entry of the last submenu may make the picture wider than the book's column: cut its end off
        # (the entry the step names stays whole: checked below).
        box = (box[0], box[1], min(box[2], box[0] + MAX_WIDTH), box[3])
        marks = []
        last = menus[-1]
        if number is not None:
            entry = last.actionGeometry(action)
            top_left = last.mapToGlobal(entry.topLeft())
            marks = [((top_left.x() + 2, top_left.y(), top_left.x() + entry.width() - 2,
                       top_left.y() + entry.height()), number)]
        entry = last.actionGeometry(action)
        text_end = last.mapToGlobal(entry.topLeft()).x() + 30 + last.fontMetrics().horizontalAdvance(action.text())
        assert text_end <= box[2], f"{name}: the entry {action.text()!r} does not fit in {MAX_WIDTH} pixels"
        self.grab(name, box=box, marks=marks)
        return menus, action

    # --- lesson 16: annotation --------------------------------------------------------------------------------
    def annotation(self) -> None:
        import numpy as np

        import segcourse
        from segcourse.lessons import napari_annotation as lesson

        viewer = self.viewer
        viewer.add_image(segcourse.load("blobs"), name="blobs")
        viewer.reset_view()
        self.settle(0.5)

        # Step 1: the 'New labels layer' button above the layer list.
        layer_list = self.qt_viewer.dockLayerList
        new_labels = self.qt_viewer.layerButtons.newLabelsButton
        top = self.rect(layer_list)
        self.grab("labels_new_layer.png", box=(top[0], top[1], top[2], self.rect(new_labels)[3] + 48),
                  marks=[(self.rect(new_labels), 1)])
        new_labels.click()
        labels = viewer.layers[-1]
        labels.name = "annotation"  # the notebook's name (double-click a layer's name to change it)

        # Step 2: the brush, label 1, brush size 10; paint.
        labels.mode = "paint"
        labels.brush_size = lesson.BRUSH_SIZE
        labels.selected_label = 1
        for position in lesson.BRUSH_POSITIONS:
            labels.paint(position, 1)
        self.settle(0.5)
        controls = self.rect(self.qt_viewer.dockLayerControls)
        brush = self.control(labels, "Activate the paint brush")
        label_row = self.row(labels, "label:")
        size = self.row(labels, "brush size:")
        box = (controls[0], controls[1], controls[2], size[3] + 12)
        self.grab("labels_brush.png", box=box, marks=[(self.rect(brush), 2), (label_row, 2), (size, 2)])

        # Step 3: + next to the label (now 2), the polygon tool.
        labels.selected_label = 2
        labels.mode = "polygon"
        labels.paint_polygon(lesson.POLYGON, 2)
        self.settle(0.5)
        polygon = self.control(labels, "Activate the polygon tool")
        spin_box = self.row(labels, "label:", kind="QLargeIntSpinBox")
        plus = (spin_box[2] - 24, spin_box[1], spin_box[2], spin_box[3])
        self.grab("labels_polygon.png", box=box, marks=[(self.rect(polygon), 3), (plus, 3)])

        # Step 4: the eraser and the fill bucket.
        labels.mode = "erase"
        self.settle()
        erase = self.control(labels, "Activate the label eraser")
        fill = self.control(labels, "Activate the fill bucket")
        self.grab("labels_fix.png", box=(box[0], box[1], box[2], self.rect(fill)[3] + 12),
                  marks=[(self.rect(erase), 4), (self.rect(fill), 4)])
        labels.mode = "pan_zoom"

        # Step 5: File > Save Selected Layers...
        viewer.layers.selection.active = labels
        menus, _ = self.menu_picture("file_save.png", ["File", "Save Selected Layers"], number=5)
        self.close_menus(menus)

        # 3D: the 2D/3D and grid buttons; the picker and 'show selected'.
        stack = segcourse.load("neubias_nuclei_3d")
        voxel_size = segcourse.voxel_size_from_file("neubias_nuclei_3d")
        viewer.layers.clear()
        import napari_segment_blobs_and_things_with_membranes as nsbatwm
        recorded = np.asarray(nsbatwm.voronoi_otsu_labeling(stack, spot_sigma=3, outline_sigma=1))
        layer = viewer.add_labels(recorded, scale=voxel_size, name="as recorded")
        viewer.dims.ndisplay = 3
        self.settle(0.5)
        buttons = self.qt_viewer.viewerButtons
        box = self.union(self.rect(buttons), margin=4)
        self.grab("view_buttons.png", box=(box[0], box[1] - 30, box[2] + 40, box[3]),
                  marks=[(self.rect(buttons.ndisplayButton), 1), (self.rect(buttons.gridViewButton), 2)])
        layer.mode = "pick"
        layer.selected_label = int(recorded[24, 47, 104])
        layer.show_selected_label = True
        self.settle(0.5)
        pick = self.control(layer, "Pick mode")
        selected = self.control(layer, "Display only selected label")
        controls = self.rect(self.qt_viewer.dockLayerControls)
        self.grab("labels_show_selected.png", box=(controls[0], controls[1], controls[2], self.rect(selected)[3] + 10),
                  marks=[(self.rect(pick), 4), (self.rect(selected), 4)])
        viewer.layers.clear()
        viewer.dims.ndisplay = 2

    # --- lesson 17: workflows ---------------------------------------------------------------------------------
    def workflows(self) -> None:
        from magicgui.widgets import FunctionGui
        from qtpy.QtCore import QPoint
        from qtpy.QtGui import QCursor
        from qtpy.QtWidgets import QMenu, QPushButton

        import segcourse
        from segcourse import napari_tools
        from segcourse.lessons import napari_workflows as lesson

        viewer = self.viewer
        viewer.add_image(segcourse.load("blobs"), name="blobs")
        viewer.reset_view()
        viewer.layers.selection.active = viewer.layers["blobs"]
        menus, action = self.menu_picture("tools_labeling.png", ["Tools", "Segmentation / labeling", "Voronoi-Otsu"],
                                          number=1)
        self.close_menus(menus)

        # Run Voronoi-Otsu-labeling from the menu: it docks a widget; set the sigmas, press Run.
        action.trigger()
        self.settle()
        gui = next(w for w in viewer.window.dock_widgets.values()
                   if isinstance(w, FunctionGui) and hasattr(w, "spot_sigma"))
        gui.spot_sigma.value, gui.outline_sigma.value = lesson.SPOT_SIGMA, lesson.OUTLINE_SIGMA
        run = next(b for b in gui.native.findChildren(QPushButton) if b.text() == "Run")
        dock = gui.native.parentWidget()
        while dock is not None and not dock.inherits("QDockWidget"):
            dock = dock.parentWidget()
        from qtpy.QtCore import Qt
        self.window.resizeDocks([dock], [400], Qt.Orientation.Horizontal)  # as wide as its labels need
        run.click()
        self.settle(1.0)
        box = (self.rect(dock)[0], self.rect(dock)[1], self.rect(dock)[2], self.rect(run)[3] + 10)
        self.grab("tools_voronoi_otsu.png", box=box,
                  marks=[(self.union(self.rect(gui.spot_sigma.native), self.rect(gui.outline_sigma.native)), 2,
                          "right"), (self.rect(run), 3, "right")])
        viewer.window.remove_dock_widget(dock)
        viewer.layers.selection.active = viewer.layers[-1]
        menus, _ = self.menu_picture("tools_postprocessing.png",
                                     ["Tools", "Segmentation post-processing", "Remove labeled objects"], number=2)
        self.close_menus(menus)
        menus, _ = self.menu_picture("tools_surfaces.png", ["Tools", "Surfaces", "Create surface from all labels"],
                                     number=1)
        self.close_menus(menus)

        # The assistant, on the image alone.
        for layer in list(viewer.layers):
            if layer.name != "blobs":
                viewer.layers.remove(layer)
        viewer.layers.selection.active = viewer.layers["blobs"]
        menus, _ = self.menu_picture("tools_assistant.png", ["Tools", "Utilities", "Assistant (na)"], number=1)
        self.close_menus(menus)
        _, assistant = viewer.window.add_plugin_dock_widget("napari-assistant")
        viewer.layers.selection.active = viewer.layers["blobs"]
        self.settle(1.0)
        first, search = lesson.ASSISTANT_STEPS[0]
        assistant.seach_field.setText(search)
        self.settle(0.5)
        grid = assistant.icon_grid
        item = grid.findItems(first, __import__("qtpy.QtCore", fromlist=["Qt"]).Qt.MatchFlag.MatchExactly)[0]
        item_rect = grid.visualItemRect(item)
        corner = grid.viewport().mapToGlobal(item_rect.topLeft())
        button_box = (corner.x(), corner.y(), corner.x() + item_rect.width(), corner.y() + item_rect.height())
        self.grab("assistant_remove_noise.png", box=self.assistant_box(assistant),
                  marks=[(self.rect(assistant.seach_field), 2), (button_box, 2)])
        for button, text in lesson.ASSISTANT_STEPS:
            napari_tools.click_assistant_button(assistant, button, search=text)
            self.settle(0.5)
        assistant.seach_field.setText("")
        viewer.layers.selection.update(set(viewer.layers))  # all layers selected: every step's widget shows
        self.settle(1.0)
        docks = [self.dock_of(viewer.window.dock_widgets[button].native) for button, _ in lesson.ASSISTANT_STEPS]
        box = self.union(*(self.rect(d) for d in docks), margin=2)
        self.grab("assistant_workflow.png", box=box)
        viewer.layers.selection.active = viewer.layers[-1]
        self.settle()

        # The assistant's two menus open at the mouse pointer: put the pointer on the button first.
        for name, button, entry, number in [
                ("assistant_save_workflow.png", "Save and load workflows", "Export workflow to file", None),
                ("assistant_generate_code.png", "Generate code...", "Export Jupyter Notebook", None)]:
            item = grid.findItems(button, __import__("qtpy.QtCore", fromlist=["Qt"]).Qt.MatchFlag.MatchExactly)[0]
            below = grid.visualItemRect(item).bottomLeft()  # the menu opens below the button, not over it
            QCursor.setPos(grid.viewport().mapToGlobal(below + QPoint(6, 3)))
            napari_tools.click_assistant_button(assistant, button)
            self.settle()
            menu = next(m for m in assistant.findChildren(QMenu) if m.isVisible())
            chosen = next(a for a in menu.actions() if a.text() == entry)
            menu.setActiveAction(chosen)
            self.settle()
            geometry = menu.actionGeometry(chosen)
            top_left = menu.mapToGlobal(geometry.topLeft())
            item_rect = grid.visualItemRect(item)
            corner = grid.viewport().mapToGlobal(item_rect.topLeft())
            marks = [((corner.x(), corner.y(), corner.x() + item_rect.width(), corner.y() + item_rect.height()), 1),
                     ((top_left.x() + 2, top_left.y(), top_left.x() + geometry.width() - 2,
                       top_left.y() + geometry.height()), 2)]
            self.grab(name, box=self.union(self.assistant_box(assistant), self.rect(menu), margin=6), marks=marks)
            menu.hide()
            self.settle()
        QCursor.setPos(WINDOW[0] + 50, WINDOW[1] + 50)

    @staticmethod
    def dock_of(widget):
        """The dock widget (with its title bar) that holds `widget`."""
        dock = widget
        while dock is not None and not dock.inherits("QDockWidget"):
            dock = dock.parentWidget()
        return dock if dock is not None else widget

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

    def close(self) -> None:
        from napari_workflows import WorkflowManager

        worker = WorkflowManager.install(self.viewer).worker  # the assistant's background recompute loop
        if worker is not None:
            worker.quit()
            self.settle(0.5)
        self.viewer.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder for the PNG files")
    args = parser.parse_args(argv)
    check_screen()
    # npe2 cannot convert one sample-data entry of napari-process-points-and-surfaces; harmless here.
    warnings.filterwarnings("ignore", message="Failed to convert napari_provide_sample_data", category=UserWarning)
    shooter = Shooter(args.output)
    shooter.annotation()
    shooter.workflows()
    shooter.close()
    written = {p.name for p in shooter.written}
    missing, extra = sorted(set(SCREENSHOTS) - written), sorted(written - set(SCREENSHOTS))
    stale = sorted(p.name for p in args.output.glob("*.png") if p.name not in SCREENSHOTS)
    for name in stale:
        (args.output / name).unlink()
    if stale:
        print("removed pictures no lesson shows:", ", ".join(stale))
    if missing or extra:
        print("missing:", missing, "unexpected:", extra)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
