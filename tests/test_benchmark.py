"""tools/benchmark.py runs and reports. Benchmarks are not tests: nothing here asserts a time."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import benchmark  # noqa: E402


def test_help_runs():
    process = subprocess.run([sys.executable, str(ROOT / "tools" / "benchmark.py"), "--help"],
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert "--quick" in process.stdout and "--json" in process.stdout


def test_it_finds_the_lessons_that_exist_now():
    assert benchmark.lesson_notebooks() == sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_report_prints_targets_with_pass_or_miss():
    results = {
        "machine": {"system": "Linux x86_64", "cpu": "CPU", "cores": 2, "ram_gb": 8.0, "python": "3.11"},
        "backends": {"device": "pthread", "rows": [
            {"operation": "gaussian_blur", "data": "2D blobs", "cpu_backend": "nsbatwm", "cle_first_ms": 100.0,
             "cle_ms": 50.0, "cpu_ms": 1.0, "ratio_cle_over_cpu": 50.0, "use": "nsbatwm/scikit-image"}]},
        "course_warm": {"total_s": 100.0, "complete": True, "notebooks": [
            {"notebook": "03_x.ipynb", "seconds": 10.0, "peak_rss_mb": 500.0, "first_cell_s": 1.2, "sliders": [
                {"title": "gauss_otsu_labeling", "sliders": {"outline_sigma": ["1", "2"]}, "frames": 2,
                 "result_ndim": 2, "p50_ms": 20.0, "p95_ms": 150.0, "book_precompute_s": 0.1},
                {"title": "voronoi", "sliders": {"spot_sigma": ["1"]}, "frames": 1,
                 "result_ndim": 3, "p50_ms": 200.0, "p95_ms": 300.0, "book_precompute_s": 0.3}]}]},
        "imports": {"segcourse": {"first_s": 0.2, "median_s": 0.1}},
        "venv_bytes": 2 * 2**30,
        "server": {"idle_server_rss_mb": 100.0},
    }
    results["classroom"] = benchmark.classroom_figures(results)
    report = benchmark.format_report(results)
    assert "p95 < 100 ms MISS" in report and "p95 < 1000 ms PASS" in report
    assert "target < 180 s PASS" in report and "target < 1 s PASS" in report
    assert "skipped (--quick)" in report
    assert "03_x.ipynb" in report and "1.20 s  target < 2 s PASS" in report
    assert results["classroom"]["learners_by_memory"] == int((22e9 / 2**20) // 600)
