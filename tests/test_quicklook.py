"""Quick-looks: the background is drawn on the score's grid, and named bands must exist."""

from __future__ import annotations

import numpy as np
import pytest
import rasters
from rasterio.transform import from_origin

from backend.errors import AlignmentError, InputError
from backend.outputs import QUICKLOOK_SOFTWARE
from backend.quicklook import background_bands, background_on_grid, render_quicklook
from backend.raster import inspect_raster
from backend.request import ScoreRequest
from backend.scoring import score_to_file


@pytest.fixture()
def score(scene, tmp_path):
    out = tmp_path / "score.tif"
    score_to_file(ScoreRequest((str(scene["post"]),)), out)
    return out


def test_a_background_on_another_grid_is_warped_onto_the_score(score, tmp_path):
    # 5 m pixels, origin 200 m east and 100 m south of the score's: a bright square whose map
    # position is the score grid's rows 20-29, cols 30-39
    x0, y0 = rasters.ORIGIN[0] + 200, rasters.ORIGIN[1] - 100
    data = np.full((1, 300, 300), 10.0, np.float32)
    row0, col0 = (20 * 10 - 100) // 5, (30 * 10 - 200) // 5
    data[0, row0 : row0 + 20, col0 : col0 + 20] = 1000.0
    bg = rasters.write(tmp_path / "bg.tif", data, transform=from_origin(x0, y0, 5, 5))
    info = inspect_raster(score)
    image = background_on_grid(str(bg), info, None, (info.grid.height, info.grid.width))[0]
    bright = np.argwhere(image > 500)
    assert bright.min(axis=0).tolist() == [20, 30] and bright.max(axis=0).tolist() == [29, 39]
    assert np.isnan(image[:10]).all() and np.isnan(image[:, :20]).all()  # outside the background


def test_a_background_that_does_not_overlap_is_refused(score, tmp_path):
    far = rasters.write(tmp_path / "far.tif", rasters.optical(1), transform=from_origin(0, 0, 10, 10))
    with pytest.raises(AlignmentError, match="does not overlap"):
        render_quicklook(str(score), tmp_path / "q.png", 1.0, str(far))
    assert not (tmp_path / "q.png").exists()


def test_bands_must_exist(score, scene, tmp_path):
    assert background_bands("x", 4, None) == [4, 3, 2]
    assert background_bands("x", 1, None) == [1]  # the default falls back to grey
    with pytest.raises(InputError, match="has 1 band"):
        background_bands("x", 1, (4, 3, 2))
    with pytest.raises(InputError, match="names band 5"):
        render_quicklook(str(score), tmp_path / "q.png", 1.0, str(scene["post"]), (5, 3, 2))


def test_the_png_says_what_wrote_it(score, scene, tmp_path):
    out = tmp_path / "q.png"
    render_quicklook(str(score), out, 50.0, str(scene["post"]))
    head = out.read_bytes()[:4096]
    assert head.startswith(b"\x89PNG") and QUICKLOOK_SOFTWARE.encode() in head
