"""Tests of backend.generative.simplex: 2-D simplex noise and its fractal, standardised fields."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backend.generative.simplex import F2, G2, permutation_table, simplex2d, simplex_noise

SHAPE = (8, 96, 128)


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return simplex_noise(SHAPE, np.random.default_rng(1234))


@pytest.fixture(scope="module")
def perm() -> np.ndarray:
    return permutation_table(np.random.default_rng(7))


def _adjacent_corr(field: np.ndarray) -> float:
    """Correlation between horizontally adjacent pixels, pooled over channels."""
    return float(np.corrcoef(field[..., :-1].ravel(), field[..., 1:].ravel())[0, 1])


def _reference(x: float, y: float, perm: np.ndarray) -> float:
    """Scalar simplex noise written straight from Gustavson (2005), to check the vectorised one."""
    grads = [(1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
    grads += [(0, 1), (0, -1)]
    s = (x + y) * F2
    i, j = math.floor(x + s), math.floor(y + s)
    t = (i + j) * G2
    x0, y0 = x - (i - t), y - (j - t)
    i1, j1 = (1, 0) if x0 > y0 else (0, 1)
    total = 0.0
    for ci, cj, dx, dy in (
        (0, 0, x0, y0),
        (i1, j1, x0 - i1 + G2, y0 - j1 + G2),
        (1, 1, x0 - 1 + 2 * G2, y0 - 1 + 2 * G2),
    ):
        falloff = 0.5 - dx * dx - dy * dy
        if falloff > 0:
            gx, gy = grads[int(perm[(i + ci + int(perm[(j + cj) % 256])) % 256]) % 12]
            total += falloff**4 * (gx * dx + gy * dy)
    return 70.0 * total


def test_shape_and_dtype(noise: np.ndarray) -> None:
    assert noise.shape == SHAPE
    assert noise.dtype == np.float32
    assert np.isfinite(noise).all()


def test_channels_standardised(noise: np.ndarray) -> None:
    mean = noise.mean(axis=(1, 2), dtype=np.float64)
    std = noise.std(axis=(1, 2), dtype=np.float64)
    np.testing.assert_allclose(mean, 0.0, atol=1e-5)
    np.testing.assert_allclose(std, 1.0, atol=1e-4)


def test_deterministic_for_equal_seeds(noise: np.ndarray) -> None:
    again = simplex_noise(SHAPE, np.random.default_rng(1234))
    np.testing.assert_array_equal(noise, again)


def test_differs_for_different_seeds(noise: np.ndarray) -> None:
    other = simplex_noise(SHAPE, np.random.default_rng(4321))
    assert not np.allclose(noise, other)
    assert abs(np.corrcoef(noise.ravel(), other.ravel())[0, 1]) < 0.3


def test_spatially_correlated_unlike_white_noise(noise: np.ndarray) -> None:
    white = np.random.default_rng(0).standard_normal(SHAPE)
    assert _adjacent_corr(noise) > 0.5
    assert abs(_adjacent_corr(white)) < 0.05
    # Vertical neighbours too: the field is smooth in both directions.
    assert np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1] > 0.5


def test_channels_nearly_uncorrelated(noise: np.ndarray) -> None:
    corr = np.corrcoef(noise.reshape(SHAPE[0], -1))
    off_diagonal = corr[~np.eye(SHAPE[0], dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.3


def test_octave_parameters_matter() -> None:
    smooth = simplex_noise((4, 64, 64), np.random.default_rng(3), octaves=1, frequency=1 / 32)
    rough = simplex_noise((4, 64, 64), np.random.default_rng(3), octaves=6, frequency=1 / 4)
    assert _adjacent_corr(smooth) > 0.95
    assert _adjacent_corr(smooth) > _adjacent_corr(rough)


def test_simplex2d_bounded(perm: np.ndarray) -> None:
    axis = np.linspace(-40.0, 40.0, 801)
    x, y = np.meshgrid(axis, axis)
    values = simplex2d(x, y, perm)
    assert values.shape == x.shape
    assert values.dtype == np.float64
    assert values.min() >= -1.01 and values.max() <= 1.01
    # Not degenerate: it uses most of its range.
    assert values.min() < -0.5 and values.max() > 0.5


def test_simplex2d_continuous(perm: np.ndarray) -> None:
    rng = np.random.default_rng(11)
    x = rng.uniform(-300.0, 300.0, 20_000)
    y = rng.uniform(-300.0, 300.0, 20_000)
    angle = rng.uniform(0.0, 2 * np.pi, x.size)
    step = 1e-4
    shifted = simplex2d(x + step * np.cos(angle), y + step * np.sin(angle), perm)
    assert np.abs(shifted - simplex2d(x, y, perm)).max() < 1e-2


def test_simplex2d_zero_at_lattice_corners(perm: np.ndarray) -> None:
    i, j = np.meshgrid(np.arange(-5, 6, dtype=np.float64), np.arange(-5, 6, dtype=np.float64))
    t = (i + j) * G2
    np.testing.assert_allclose(simplex2d(i - t, j - t, perm), 0.0, atol=1e-12)


def test_simplex2d_matches_scalar_reference(perm: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(-600.0, 600.0, 300)
    y = rng.uniform(-600.0, 600.0, 300)
    expected = [_reference(float(a), float(b), perm) for a, b in zip(x, y)]
    np.testing.assert_allclose(simplex2d(x, y, perm), expected, rtol=1e-9, atol=1e-12)


def test_simplex2d_shape_independent(perm: np.ndarray) -> None:
    # Large inputs are evaluated in blocks; the result must not depend on the array's size or shape.
    rng = np.random.default_rng(6)
    x = rng.uniform(-50.0, 50.0, (150, 171))
    y = rng.uniform(-50.0, 50.0, (150, 171))
    whole = simplex2d(x, y, perm)
    assert whole.shape == x.shape
    pieces = np.concatenate([simplex2d(x[r], y[r], perm) for r in range(x.shape[0])])
    np.testing.assert_array_equal(whole.ravel(), pieces)
    np.testing.assert_array_equal(simplex2d(x[:, :1], y[:1, :], perm).shape, (150, 171))


def test_simplex2d_depends_on_perm(perm: np.ndarray) -> None:
    x, y = np.meshgrid(np.linspace(0, 10, 50), np.linspace(0, 10, 50))
    other = permutation_table(np.random.default_rng(8))
    assert not np.allclose(simplex2d(x, y, perm), simplex2d(x, y, other))


def test_simplex2d_rejects_bad_perm() -> None:
    with pytest.raises(ValueError):
        simplex2d(np.zeros(3), np.zeros(3), np.arange(255))
    with pytest.raises(ValueError):
        simplex2d(np.zeros(3), np.zeros(3), np.zeros(256, dtype=np.int64))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": (4, 4)},
        {"shape": (1, 4, 4), "octaves": 0},
        {"shape": (1, 4, 4), "frequency": 0.0},
        {"shape": (1, 4, 4), "persistence": -0.5},
    ],
)
def test_simplex_noise_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        simplex_noise(rng=np.random.default_rng(0), **kwargs)
