"""Raster I/O and alignment: nodata becomes NaN, grids are matched, bad inputs are named."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasters
from rasterio.crs import CRS
from rasterio.warp import calculate_default_transform, reproject
from rasterio.windows import Window

from backend.errors import AlignmentError, BandMismatchError, InputError, MissingFileError, NotARasterError
from backend.raster import AlignedStack, check_alignment, check_band_counts, inspect_raster


def _full(stack: AlignedStack) -> np.ndarray:
    return stack.read(Window(0, 0, stack.grid.width, stack.grid.height))


def test_nodata_becomes_nan_never_a_value(scene):
    info = inspect_raster(scene["post"])
    with AlignedStack([info], info.grid) as stack:
        data = _full(stack)
    assert data.dtype == np.float32 and data.shape == (4, *rasters.SHAPE)
    b = rasters.BORDER_PX
    assert np.isnan(data[:, :b]).all() and np.isnan(data[:, :, -b:]).all()
    assert np.isfinite(data[:, b:-b, b:-b]).all()
    assert not (data == 0).any()


def test_nan_in_float_raster_is_no_data(scene):
    info = inspect_raster(scene["sar"])
    with AlignedStack([info], info.grid) as stack:
        data = _full(stack)
    assert np.isnan(data[:, : rasters.BORDER_PX]).all()
    assert np.isfinite(data[:, rasters.BORDER_PX :]).all()


def test_stack_concatenates_bands_in_order(scene):
    infos = [inspect_raster(scene["post"]), inspect_raster(scene["sar"])]
    with AlignedStack(infos, infos[0].grid) as stack:
        data = _full(stack)
    assert data.shape[0] == 6
    with rasterio.open(scene["sar"]) as ds:
        sar = ds.read()
    np.testing.assert_array_equal(data[4:, 10:20, 10:20], sar[:, 10:20, 10:20])


def _reprojected(src_path, dst_path, crs: str, resolution: float | None = None):
    with rasterio.open(src_path) as src:
        kw = {"resolution": resolution} if resolution else {}
        transform, w, h = calculate_default_transform(src.crs, crs, src.width, src.height, *src.bounds, **kw)
        out = np.zeros((src.count, h, w), dtype=np.float32)
        reproject(
            rasterio.band(src, list(range(1, src.count + 1))),
            out,
            dst_transform=transform,
            dst_crs=crs,
            src_nodata=src.nodata,
            dst_nodata=np.nan,
        )
        profile = dict(
            src.profile, crs=crs, transform=transform, width=w, height=h, dtype="float32", nodata=np.nan
        )
    with rasterio.open(dst_path, "w", **profile) as dst:
        dst.write(out)
    return dst_path


def test_other_crs_and_resolution_is_warped_onto_first_grid(scene, tmp_path):
    warped = _reprojected(scene["pre"], tmp_path / "pre_4326.tif", "EPSG:4326")
    coarse = _reprojected(scene["pre"], tmp_path / "pre_20m.tif", "EPSG:32631", resolution=20.0)
    target = inspect_raster(scene["post"])
    with rasterio.open(scene["pre"]) as ds:
        original = ds.read().astype(np.float32)
    for path, tol in ((warped, 60.0), (coarse, 150.0)):
        info = inspect_raster(path)
        assert not info.grid.same_as(target.grid)
        check_alignment(target.grid, [target, info])
        with AlignedStack([info], target.grid) as stack:
            data = _full(stack)
        assert data.shape == (4, *rasters.SHAPE)
        inner = np.s_[:, 10:-10, 10:-10]
        assert np.isfinite(data[inner]).all()
        # Smooth background: a warp and back stays close to the original values.
        assert np.nanmedian(np.abs(data[inner] - original[inner])) < tol


def test_partial_overlap_outside_footprint_is_nan(scene, tmp_path):
    data = rasters.optical(2)
    shifted = rasters.write(
        tmp_path / "shifted.tif",
        data,
        transform=rasterio.transform.from_origin(
            rasters.ORIGIN[0] + 640.0, rasters.ORIGIN[1], rasters.PIXEL_M, rasters.PIXEL_M
        ),
        nodata=rasters.NODATA,
    )
    target, info = inspect_raster(scene["post"]), inspect_raster(shifted)
    check_alignment(target.grid, [target, info])
    with AlignedStack([info], target.grid) as stack:
        out = _full(stack)
    assert np.isnan(out[:, :, :64]).all()  # west of the shifted raster: outside its footprint
    assert np.isfinite(out[:, 10:-10, 70:-10]).all()


def test_no_overlap_is_a_clear_error(scene, tmp_path):
    far = rasters.write(
        tmp_path / "far.tif",
        rasters.optical(1),
        transform=rasterio.transform.from_origin(rasters.ORIGIN[0] + 100_000, rasters.ORIGIN[1], 10, 10),
    )
    target = inspect_raster(scene["post"])
    with pytest.raises(AlignmentError, match="does not overlap"):
        check_alignment(target.grid, [target, inspect_raster(far)])


def test_non_georeferenced_same_size_accepted_other_size_rejected(tmp_path):
    a = inspect_raster(rasters.write(tmp_path / "a.tif", rasters.optical(0), crs=None))
    b = inspect_raster(rasters.write(tmp_path / "b.tif", rasters.optical(1), crs=None))
    c = inspect_raster(rasters.write(tmp_path / "c.tif", rasters.optical(1)[:, :50], crs=None))
    assert not a.grid.georeferenced
    check_alignment(a.grid, [a, b])
    with pytest.raises(AlignmentError, match="not all georeferenced"):
        check_alignment(a.grid, [a, c])


def test_band_count_mismatch(scene, tmp_path):
    three = inspect_raster(rasters.write(tmp_path / "three.tif", rasters.optical(0, bands=3)))
    with pytest.raises(BandMismatchError, match="3 band"):
        check_band_counts([inspect_raster(scene["post"])], [three])
    with pytest.raises(BandMismatchError, match="one reference per target"):
        check_band_counts([inspect_raster(scene["post"]), inspect_raster(scene["sar"])], [three])


def test_missing_and_non_raster_files(tmp_path):
    with pytest.raises(MissingFileError):
        inspect_raster(tmp_path / "nope.tif")
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(NotARasterError, match="not a raster"):
        inspect_raster(text)
    with pytest.raises(NotARasterError, match="folder"):
        inspect_raster(tmp_path)


def test_crs_kept(scene):
    assert inspect_raster(scene["post"]).grid.crs == CRS.from_epsg(32631)


@pytest.mark.parametrize(
    "dtype, nodata",
    [("uint16", 0), ("int16", -9999), ("float32", -1.5), ("uint8", 255), ("uint8", None)],
)
def test_nodata_fast_path_matches_gdal_masks(tmp_path, dtype, nodata):
    """Nodata compared directly gives the same NaN pattern as GDAL's masked read."""
    from backend.raster import read_masked

    rng = np.random.default_rng(0)
    data = rng.integers(0, 50, (3, 40, 50)).astype(dtype)
    if nodata is not None and np.can_cast(np.min_scalar_type(nodata), dtype):
        data[:, :5] = nodata
    data[1, 20:25, 10:30] = 7
    path = rasters.write(tmp_path / "r.tif", data, nodata=nodata)
    with rasterio.open(path) as src:
        fast = read_masked(src, Window(3, 2, 40, 30))
        gdal = src.read(window=Window(3, 2, 40, 30), masked=True).astype(np.float32).filled(np.nan)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(gdal))
    np.testing.assert_array_equal(fast[~np.isnan(fast)], gdal[~np.isnan(gdal)])


def _slc(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(1, *rasters.SHAPE)) + 1j * rng.normal(size=(1, *rasters.SHAPE))).astype(
        np.complex64
    )


@pytest.mark.parametrize("dtype", ["complex64", "complex128", "complex_int16"])
def test_complex_rasters_are_read_only_as_chosen(dtype, tmp_path):
    z = _slc()
    if dtype == "complex_int16":
        z = (np.round(z.real * 100) + 1j * np.round(z.imag * 100)).astype(np.complex64)
    path = tmp_path / "slc.tif"
    profile = {"driver": "GTiff", "count": 1, "height": z.shape[1], "width": z.shape[2], "dtype": dtype}
    profile.update(crs=rasters.UTM31, transform=rasterio.transform.from_origin(*rasters.ORIGIN, 10, 10))
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(z.astype(np.complex128) if dtype == "complex128" else z)
    info = inspect_raster(path)
    with pytest.raises(InputError, match="--complex intensity"):
        AlignedStack([info], info.grid)
    with pytest.raises(InputError, match="intensity or amplitude"):
        AlignedStack([info], info.grid, "real")
    for mode, expected in (("intensity", np.abs(z) ** 2), ("amplitude", np.abs(z))):
        with AlignedStack([info], info.grid, mode) as stack:
            np.testing.assert_allclose(_full(stack), expected, rtol=1e-5)


def test_a_complex_reference_on_another_grid_is_warped_before_it_becomes_real(scene, tmp_path):
    z = _slc(1)
    path = tmp_path / "slc.tif"
    shifted = rasterio.transform.from_origin(rasters.ORIGIN[0] + 35, rasters.ORIGIN[1] - 25, 10, 10)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        count=1,
        height=z.shape[1],
        width=z.shape[2],
        dtype="complex64",
        crs=rasters.UTM31,
        transform=shifted,
    ) as ds:
        ds.write(z)
    target = inspect_raster(scene["post"])
    with AlignedStack([inspect_raster(path)], target.grid, "amplitude") as stack:
        data = _full(stack)
    assert np.isnan(data[0, :2]).all() and np.isnan(data[0, :, :3]).all()  # outside the footprint
    inside = data[0, 5:-5, 5:-5]
    assert np.isfinite(inside).all() and (inside >= 0).all() and inside.max() < np.abs(z).max() * 1.01


def test_a_truncated_file_is_a_one_line_input_error(scene, tmp_path):
    cut = tmp_path / "cut.tif"
    cut.write_bytes(scene["post"].read_bytes()[: scene["post"].stat().st_size // 2])
    info = inspect_raster(cut)
    with (
        AlignedStack([info], info.grid) as stack,
        pytest.raises(NotARasterError, match="truncated or damaged"),
    ):
        _full(stack)


def test_gdal_env_gives_gdal_a_block_cache_of_gdal_cache_mb():
    """rasterio hands an integer GDAL_CACHEMAX to GDAL in bytes: the cache must be GDAL_CACHE_MB
    megabytes while RareSight reads (given as megabytes, it was a few bytes, and a window across the
    file's blocks decoded them all again on every read)."""
    from rasterio.env import get_gdal_config

    from backend.raster import GDAL_CACHE_MB, gdal_env

    with gdal_env():
        assert get_gdal_config("GDAL_CACHEMAX") == GDAL_CACHE_MB * 2**20
