"""Write environment.yml from requirements.txt, so that conda/mamba and Binder install the same versions."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def environment_yml() -> str:
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    body = "\n".join(f"      - {pin}" for pin in pins)
    return ("# Generated from requirements.txt by tools/make_environment.py: do not edit by hand.\n"
            "# conda env create -f environment.yml && conda activate segcourse && python course.py jupyter-setup\n"
            "# (every package from PyPI at the pinned version; conda provides Python; markers pick per-platform pins)\n"
            "name: segcourse\nchannels:\n  - conda-forge\n  - nodefaults\ndependencies:\n"
            "  - python=3.11\n  - pip\n  - pip:\n" + body + "\n")


if __name__ == "__main__":
    (ROOT / "environment.yml").write_text(environment_yml())
    print("wrote environment.yml")
